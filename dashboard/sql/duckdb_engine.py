"""The DuckDB engine: the one module of ``dashboard`` that imports duckdb (see :mod:`dashboard.sql.engine`).

It runs stored queries with their inputs bound by name, registers Parquet files and Arrow tables, reads a
delivered snapshot (Parquet or CSV) for the contract checks and writes Parquet for the ingest. Everything
above it talks to an :class:`~dashboard.sql.engine.Engine`; a Spark engine implements the same methods.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from dashboard.sql import files
from dashboard.sql.engine import Inputs, check_call

_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")

#: DuckDB's error class, for callers that turn an engine failure into a contract message.
Error = duckdb.Error


def connect(memory_limit: str | None = None, temp_directory: Path | None = None) -> DuckDBEngine:
    """A new in-memory database; with a memory budget and a spill folder when given (the ingest)."""
    config: dict[str, str] = {}
    if memory_limit:
        config["memory_limit"] = memory_limit
    if temp_directory is not None:
        config["temp_directory"] = str(temp_directory)
    return DuckDBEngine(duckdb.connect(":memory:", config=config) if config else duckdb.connect(":memory:"))


class Result:
    """A query's result on a cursor; fetch it once, in the form the caller needs."""

    def __init__(self, cursor: duckdb.DuckDBPyConnection) -> None:
        self._cursor = cursor

    def rows(self) -> list[tuple[Any, ...]]:
        return self._cursor.fetchall()

    def dicts(self) -> list[dict[str, Any]]:
        cols = [d[0] for d in self._cursor.description]
        return [dict(zip(cols, row, strict=True)) for row in self._cursor.fetchall()]

    def df(self) -> Any:
        """A pandas DataFrame."""
        return self._cursor.df()

    def arrow(self) -> Any:
        """A pyarrow Table."""
        return self._cursor.fetch_arrow_table()


class DuckDBEngine:
    """One DuckDB connection (a cursor of a shared in-memory root, or a database of its own)."""

    Error = duckdb.Error

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self._bound: dict[str, str] = {}  # header name -> relation it is bound to on this connection

    # ------------------------------------------------------------------ connections
    def cursor(self) -> DuckDBEngine:
        """A fresh connection to the same database: DuckDB 2.x wants one per thread/query."""
        return DuckDBEngine(self.con.cursor())

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> DuckDBEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------------- queries
    def _bind(self, inputs: Inputs | None) -> None:
        """Point each header name at the relation given for it (a view resolved by name when a query runs).

        A name already pointing at that relation is left alone: registering costs ~1 ms a name.
        """
        for formal, actual in (inputs or {}).items():
            if formal == actual or self._bound.get(formal) == actual:
                continue
            if not _IDENT.match(formal) or not _IDENT.match(actual):
                raise ValueError(f"bad relation name {formal!r} -> {actual!r}")
            self.con.register(formal, self.con.table(actual))
            self._bound[formal] = actual

    def run(self, name: str, inputs: Inputs | None = None, **params: object) -> Result:
        q = files.load(name)
        check_call(q, inputs, params)
        self._bind(inputs)
        return Result(self.con.execute(q.sql, params) if params else self.con.execute(q.sql))

    def relation(self, name: str, inputs: Inputs | None = None, **params: object) -> duckdb.DuckDBPyRelation:
        q = files.load(name)
        check_call(q, inputs, params)
        self._bind(inputs)
        return self.con.sql(q.sql, params=params) if params else self.con.sql(q.sql)

    def materialise(self, table: str, name: str, inputs: Inputs | None = None, append: bool = False,
                    **params: object) -> None:
        if not _IDENT.match(table):
            raise ValueError(table)
        q = files.load(name)
        check_call(q, inputs, params)
        self._bind(inputs)
        head = f"INSERT INTO {table} " if append else f"CREATE OR REPLACE TEMP TABLE {table} AS "
        self.con.execute(head + q.sql, params or None)

    # -------------------------------------------------------------------- relations
    def register(self, name: str, relation: Any) -> None:
        """A lazy relation of this engine, or an Arrow table, readable as ``name``."""
        self.con.register(name, relation)
        self._bound.pop(name, None)

    def register_parquet(self, name: str, path: Path) -> None:
        self.register(name, self.con.read_parquet(str(path)))

    def table(self, name: str) -> duckdb.DuckDBPyRelation:
        return self.con.table(name)

    def drop(self, name: str) -> None:
        """Remove a registered view and a temp table of that name, if any."""
        if not _IDENT.match(name):
            raise ValueError(name)
        self.con.unregister(name)
        self.con.execute(f"DROP TABLE IF EXISTS {name}")
        self._bound.pop(name, None)

    def write_parquet(self, relation: duckdb.DuckDBPyRelation, path: Path) -> None:
        """Write a relation as one zstd-compressed Parquet file."""
        relation.write_parquet(str(path), compression="zstd")

    # ------------------------------------------------------ reading a delivered snapshot
    def read_file(self, path: Path, delimiter: str) -> duckdb.DuckDBPyRelation:
        """A Parquet file as it is, or a CSV file as text columns (the contract types it in SQL).

        NaN rows must not be pruned from filtered scans by Parquet min/max statistics (which leave NaN out),
        or the examples of a 'must be finite' violation come back empty.
        """
        self.con.execute("SET parquet_can_have_nan = true")
        if path.suffix == ".parquet":
            return self.con.read_parquet(str(path))
        # skiprows=0: otherwise the sniffer may skip leading rows and take a ragged row for the header.
        return self.con.read_csv(
            str(path), header=True, all_varchar=True, delimiter=delimiter, quotechar='"', escapechar='"', skiprows=0
        )

    @staticmethod
    def describe_read_error(exc: Exception) -> str:
        """An engine error while reading a delivered file, in the contract's words (never DuckDB's raw text).

        The caller names the file; this says what is wrong with it and, when DuckDB knows it, on which line.
        """
        text = str(exc)
        line = re.search(r"CSV Error on Line: (\d+)", text)
        where = f" (line {line.group(1)})" if line else ""
        if "Invalid unicode" in text or "not utf-8 encoded" in text:
            return f"is not UTF-8 encoded{where}; re-export it as UTF-8"
        if "sniffing" in text or "Expected Number of Columns" in text or "quote" in text.lower():
            return (f"is not a well-formed CSV file{where}: rows with different numbers of fields or an unclosed "
                    "quote; check the delimiter (--delimiter) and the quoting")
        if "parquet" in text.lower() or "magic" in text.lower():
            return "is not a readable Parquet file (truncated or another format)"
        if "CSV" in text:
            return f"is not a well-formed CSV file{where}"
        return "the file could not be read (truncated, or not the format its name says)"

    @staticmethod
    def columns(relation: duckdb.DuckDBPyRelation) -> list[str]:
        return list(relation.columns)

    @staticmethod
    def column_types(relation: duckdb.DuckDBPyRelation) -> list[tuple[str, str]]:
        """(column, type) pairs; the type as DuckDB spells it (an all-null Parquet column is '"NULL"')."""
        return [(c, str(t)) for c, t in zip(relation.columns, relation.dtypes, strict=True)]

    @staticmethod
    def non_null_values(relation: duckdb.DuckDBPyRelation, column: str, limit: int) -> list[Any]:
        """The first non-null values of one column (``column`` is one of the contract's own names)."""
        return [v[0] for v in relation.project(f'"{column}"').filter(f'"{column}" IS NOT NULL').limit(limit).fetchall()]

    @staticmethod
    def project(relation: duckdb.DuckDBPyRelation, columns: Sequence[str], null_types: dict[str, str]) -> Any:
        """The given columns in order; absent ones become typed NULLs (only the contract's own names)."""
        present = set(relation.columns)
        exprs = [c if c in present else f"CAST(NULL AS {null_types[c]}) AS {c}" for c in columns]
        return relation.project(", ".join(exprs))

    def keep(self, relation: duckdb.DuckDBPyRelation, table: str) -> duckdb.DuckDBPyRelation:
        """Compute a relation once into a temp table (a parsed CSV), and return that table."""
        relation.create(table)
        return self.con.table(table)

    def with_enums(self, relation: duckdb.DuckDBPyRelation, enums: dict[str, str]) -> Any:
        """``relation`` with some string columns cast to ENUM types made before (column -> type name).

        DuckDB then writes such a column's Parquet dictionary straight from the ENUM codes instead of hashing
        tens of millions of strings; the file holds the same strings.
        """
        types = {column: self.con.type(type_name) for column, type_name in enums.items()}
        return relation.project(*[
            duckdb.ColumnExpression(c).cast(types[c]).alias(c) if c in types else duckdb.ColumnExpression(c)
            for c in relation.columns
        ])

    # ------------------------------------------------------------- the old cursor API
    def __getattr__(self, attr: str) -> Any:
        """The raw cursor's methods (``sql``, ``execute``, ``read_parquet``...), for callers not yet on the seam.

        Chaos (register_scenario, release_names) and its tests still use them; remove with them.
        """
        return getattr(self.con, attr)
