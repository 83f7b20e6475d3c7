"""SQL lives in ``queries/*.sql``: one statement a file, ``$named`` parameters only.

Each file starts with a header comment naming its parameters (``-- params: a, b``)
and the relations it reads (``-- reads: visits_a, places_a``). ``run`` refuses a
call whose parameters differ from the header, so callers and SQL cannot drift.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import duckdb

_PARAM = re.compile(r"(?<![\w$])\$([A-Za-z_][A-Za-z0-9_]*)")
_HEADER = re.compile(r"^--\s*params:\s*(.*)$", re.MULTILINE)


@dataclass(frozen=True)
class Query:
    name: str
    sql: str
    params: frozenset[str]


def queries_dir() -> Path:
    """Installed wheels carry the SQL inside the package; a checkout keeps it at the top."""
    packaged = resources.files("dashboard") / "queries"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "queries"


def _strip_sql_comments_and_strings(sql: str) -> str:
    sql = re.sub(r"--[^\n]*", " ", sql)
    return re.sub(r"'(?:[^']|'')*'", "''", sql)


def used_params(sql: str) -> frozenset[str]:
    return frozenset(_PARAM.findall(_strip_sql_comments_and_strings(sql)))


def declared_params(sql: str) -> frozenset[str]:
    m = _HEADER.search(sql)
    if not m:
        return frozenset()
    return frozenset(p.strip().lstrip("$") for p in m.group(1).split(",") if p.strip() and p.strip() != "none")


@functools.cache
def load(name: str) -> Query:
    path = queries_dir() / f"{name}.sql"
    if not path.is_file():
        raise KeyError(f"no query file {path}")
    sql = path.read_text(encoding="utf-8")
    return Query(name=name, sql=sql, params=declared_params(sql))


def all_names() -> list[str]:
    return sorted(p.stem for p in queries_dir().glob("*.sql"))


def _check(q: Query, params: dict[str, object]) -> None:
    given = frozenset(params)
    if given != q.params:
        raise TypeError(
            f"query {q.name}: parameters {sorted(given)} do not match its header {sorted(q.params)}"
        )


def run(cur: duckdb.DuckDBPyConnection, name: str, **params: object) -> duckdb.DuckDBPyConnection:
    """Execute a stored query; the caller must fetch the result to the end (DuckDB 2.x insists)."""
    q = load(name)
    _check(q, params)
    return cur.execute(q.sql, params) if params else cur.execute(q.sql)


def relation(cur: duckdb.DuckDBPyConnection, name: str, **params: object) -> duckdb.DuckDBPyRelation:
    """A lazy relation over a stored query, for composing views (e.g. chaos candidates)."""
    q = load(name)
    _check(q, params)
    return cur.sql(q.sql, params=params) if params else cur.sql(q.sql)
