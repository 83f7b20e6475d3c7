"""SQL lives in ``queries/*.sql``: one statement a file, ``$named`` parameters only.

Each file starts with a header comment naming its parameters (``-- params: a, b``)
and the relations it reads (``-- reads: visits_in, places_in``). The engine seam
(:mod:`dashboard.sql.engine`) refuses a call whose parameters or inputs differ from
the header, so callers and SQL cannot drift. This module only loads and parses: it
knows no engine.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

_PARAM = re.compile(r"(?<![\w$])\$([A-Za-z_][A-Za-z0-9_]*)")
_HEADER = re.compile(r"^--\s*params:\s*(.*)$", re.MULTILINE)
_READS = re.compile(r"^--\s*reads:\s*(.*)$", re.MULTILINE)


@dataclass(frozen=True)
class Query:
    name: str
    sql: str
    params: frozenset[str]
    #: The relations the caller must pass as inputs (``query_table($p)`` reads are parameters instead).
    reads: frozenset[str] = frozenset()


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


def declared_reads(sql: str) -> frozenset[str]:
    """The relation names of the ``-- reads:`` line (and its indented continuation lines), notes dropped.

    A ``query_table($p)`` entry is not an input: the relation's name comes as the parameter ``$p``.
    """
    lines = sql.splitlines()
    start = next((i for i, line in enumerate(lines) if _READS.match(line)), None)
    if start is None:
        return frozenset()
    text = _READS.match(lines[start]).group(1)  # type: ignore[union-attr]
    for line in lines[start + 1:]:
        if not line.startswith("--  "):
            break
        text += line[2:]
    text = re.sub(r"query_table\(\$\w+\)", "", text)
    while re.search(r"\([^()]*\)", text):
        text = re.sub(r"\([^()]*\)", "", text)
    return frozenset(r.strip() for r in text.split(",")
                     if re.fullmatch(r"[A-Za-z_]\w*", r.strip()) and r.strip() != "none")


@functools.cache
def load(name: str) -> Query:
    path = queries_dir() / f"{name}.sql"
    if not path.is_file():
        raise KeyError(f"no query file {path}")
    sql = path.read_text(encoding="utf-8")
    return Query(name=name, sql=sql, params=declared_params(sql), reads=declared_reads(sql))


def all_names() -> list[str]:
    return sorted(p.stem for p in queries_dir().glob("*.sql"))
