"""The engine seam: what runs a named query over named input relations, whatever the SQL engine.

Every query file names its parameters and the relations it reads (``-- reads:``); a caller passes both at the
call (``engine.run("metrics_totals", inputs={"scopes": "scopes", "sp_a": "sp_a", "sp_b": "sp_b"})``) and the
engine refuses a call whose inputs or parameters differ from the header. DuckDB is the engine today
(:mod:`dashboard.sql.duckdb_engine`, the only module that imports duckdb); Spark
(:mod:`dashboard.sql.spark_engine`, issue 13) implements :class:`Engine` over the same Parquet store and the same
query files, translating the features in :data:`DIALECT_FEATURES` (:mod:`dashboard.sql.translate`). Which one
runs: :func:`settings` (``--engine`` / ``$RELCHECK_ENGINE``).

Input names are relation names *of this engine* (temp views or tables it holds); the engine binds each header
name to the relation given for it before the query runs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from dashboard.errors import RelcheckError
from dashboard.sql.files import Query

#: Header name -> the engine's relation to read under that name.
Inputs = Mapping[str, str]

#: The DuckDB-only SQL the query files use, in one place: what a second engine must translate or provide.
#: (feature, where it is used, what it does)
DIALECT_FEATURES: tuple[tuple[str, str, str], ...] = (
    ("fsum(x)", "agg_*, attr_*, metrics_share, metrics_totals, series_brand_shares, ingest_place_source",
     "compensated (Kahan-Babuska) sum: totals do not depend on the order threads combine rows in"),
    ("query_table($name)", "chaos_*", "read the relation whose name is passed as a parameter"),
    ("list(x ORDER BY y), list_contains(l, x), len(l), unnest(l)",
     "scope_members_defined, agg_scope_date_signatures, chaos_*",
     "list values: scope definitions (brands[], regions[]...) and list parameters ($regions, $scope_ids)"),
    ("CREATE OR REPLACE TYPE ... AS ENUM (SELECT ...)", "ingest_source_type, ingest_segment_type",
     "an ENUM built from the data, so Parquet dictionaries are written from codes"),
    ("sum(x ORDER BY y)", "series_weekly", "an ordered aggregate (fixed summation order)"),
    ("unnest(generate_series(start, end, INTERVAL 1 DAY))", "series_daily",
     "the window's days (sqlglot writes Spark's explode(sequence(...)); was the range() table function)"),
    ("hash(...)", "chaos_noise", "a deterministic 64-bit hash of several values (the noise seed); Spark's hash "
     "differs, so the noise scenario's numbers are DuckDB's only"),
    ("TRY_CAST, isfinite", "contract_*", "casts that give NULL instead of failing; finite test"),
    ("string_agg(DISTINCT x, sep ORDER BY x)", "contract_*_profile", "ordered distinct string aggregation"),
    ("bit_or, bit_count, << on BIGINT", "contract_visits_key_check", "bit aggregates for the exact duplicate-key check"),
    ("hash(...)", "contract_visits_triples, ingest_part_triples", "a 64-bit hash of a visit's (place, source, "
     "segment): the duplicate-key check's fixed-width group key"),
    ("count(*) FILTER (WHERE ...)", "many", "filtered aggregates (Spark: count_if / sum(CASE ...))"),
    ("GROUPING SETS, GROUPING(col)", "attr_dimension_totals", "several groupings in one pass"),
    ("$named parameters (prepared)", "every query", "values bound by name, never formatted into SQL"),
    ("read_parquet / read_csv (Python API)", "duckdb_engine.register_parquet, read_file",
     "the store's Parquet and a snapshot's CSV, read in place; COPY ... (FORMAT parquet, COMPRESSION zstd)"),
    ("SET parquet_can_have_nan = true", "duckdb_engine.read_file", "NaN rows are not pruned by min/max stats"),
    ("read_csv/read_parquet(filename=True), query_progress, ColumnExpression", "duckdb_engine.read_files, "
     "select_as_text, progress", "weekly patterns files read as text with their file name, progress polled"),
)


class Engine(Protocol):
    """One private connection that runs stored queries; not shared between threads."""

    def run(self, name: str, inputs: Inputs | None = None, **params: object) -> Result:
        """Run a stored query; ``inputs`` must name exactly the header's ``reads`` (``None`` for none)."""
        ...

    def materialise(self, table: str, name: str, inputs: Inputs | None = None, append: bool = False,
                    **params: object) -> None:
        """Keep a query's result as a temp table of this connection (or append to it)."""
        ...

    def relation(self, name: str, inputs: Inputs | None = None, **params: object) -> Any:
        """A lazy relation over a stored query, to register under a name or write out."""
        ...

    def register(self, name: str, relation: Any) -> None:
        """Make a relation (lazy, an Arrow table) readable under ``name`` on this connection."""
        ...

    def register_parquet(self, name: str, path: Path) -> None:
        ...

    def table(self, name: str) -> Any:
        """A lazy relation over a registered name (to register again under another name)."""
        ...

    def drop(self, name: str) -> None:
        """Remove a registered view or temp table of that name (no error when absent)."""
        ...

    def close(self) -> None:
        ...

    # ------------------------------------------ weekly patterns files (dashboard/store/patterns*.py)
    #: The engine's error class: a file it cannot read, a query that fails on the data.
    Error: type[Exception]

    def read_files(self, paths: Sequence[Path], delimiter: str | None, columns: Sequence[str],
                   max_line_size: int) -> Any:
        """Files of one layout as one relation with a ``filename`` column (Parquet typed; CSV as text)."""
        ...

    def select_as_text(self, relation: Any, picks: Sequence[tuple[str, tuple[str, str] | None]],
                       text_lists: Mapping[str, Sequence[str]]) -> Any:
        """The picked columns (name <- (file column, type) or NULL) as text, then constant text lists.

        File column names are data: never written into SQL text.
        """
        ...

    def with_row_number(self, relation: Any, name: str, numbered: bool) -> Any:
        """The relation and a BIGINT column: the row's place in the scan, or NULL when not ``numbered``."""
        ...

    def with_nulls(self, relation: Any, optional: Mapping[str, str]) -> Any:
        """The relation with the absent columns of ``optional`` (name -> type) added as typed NULLs."""
        ...

    def register_parquet_files(self, name: str, paths: Sequence[Path]) -> None:
        ...

    def write_parquet(self, relation: Any, path: Path) -> None:
        ...

    def write_parquet_snappy(self, relation: Any, path: Path) -> None:
        ...

    def read_file(self, path: Path, delimiter: str) -> Any:
        ...

    def progress(self) -> float | None:
        """Percent done of the query running on this connection (-1 unknown; None: cannot say), from another
        thread."""
        ...


class Result(Protocol):
    """A query's result, fetched in the form the caller needs (each fetches it to the end, once)."""

    def rows(self) -> list[tuple[Any, ...]]: ...

    def dicts(self) -> list[dict[str, Any]]: ...

    def df(self) -> Any: ...

    def arrow(self) -> Any: ...


def check_call(q: Query, inputs: Inputs | None, params: Mapping[str, object]) -> None:
    """Refuse a call whose parameters or inputs differ from the query's header (names only)."""
    given = frozenset(params)
    if given != q.params:
        raise TypeError(f"query {q.name}: parameters {sorted(given)} do not match its header {sorted(q.params)}")
    named = frozenset(inputs or ())
    if named != q.reads:
        raise TypeError(f"query {q.name}: inputs {sorted(named)} do not match its header's reads {sorted(q.reads)}")


# ------------------------------------------------------------------------------------------ engine factory
#: The engines a command can run on (``--engine`` / ``$RELCHECK_ENGINE``).
ENGINES: tuple[str, ...] = ("duckdb", "spark")
DEFAULT_SPARK_MASTER = "local[*]"


@dataclass(frozen=True)
class EngineSettings:
    """Which engine runs the queries: DuckDB in process, or Spark (a master URL, or a Spark Connect URL)."""

    name: str = "duckdb"
    master: str = DEFAULT_SPARK_MASTER
    remote: str | None = None

    @staticmethod
    def from_env() -> EngineSettings:
        """``$RELCHECK_ENGINE``, ``$RELCHECK_SPARK_MASTER``, ``$RELCHECK_SPARK_REMOTE`` (the dashboard's setting)."""
        return EngineSettings(
            name=(os.environ.get("RELCHECK_ENGINE") or "duckdb").strip().lower(),
            master=os.environ.get("RELCHECK_SPARK_MASTER") or DEFAULT_SPARK_MASTER,
            remote=os.environ.get("RELCHECK_SPARK_REMOTE") or None,
        )


_chosen: EngineSettings | None = None


def configure(name: str | None = None, master: str | None = None, remote: str | None = None) -> EngineSettings:
    """Set this process's engine (the CLI's ``--engine``, ``--spark-master``, ``--spark-remote``); None keeps
    the current value (from the environment at first)."""
    global _chosen
    current = settings()
    _chosen = replace(current, **{k: v for k, v in (("name", name), ("master", master), ("remote", remote))
                                  if v is not None})
    return _chosen


def settings() -> EngineSettings:
    """The engine this process runs queries on: what :func:`configure` set, else the environment's."""
    return _chosen if _chosen is not None else EngineSettings.from_env()


def check_settings(s: EngineSettings) -> None:
    """Refuse an unknown engine name (say, a typo in $RELCHECK_ENGINE)."""
    if s.name not in ENGINES:
        raise RelcheckError(f"unknown engine '{s.name}': use one of {', '.join(ENGINES)}")
