"""The DuckDB engine: the one module of ``dashboard`` that imports duckdb (see :mod:`dashboard.sql.engine`).

It runs stored queries with their inputs bound by name, registers Parquet files and Arrow tables, reads a
delivered snapshot (Parquet or CSV) for the contract checks and writes Parquet for the ingest. Everything
above it talks to an :class:`~dashboard.sql.engine.Engine`; a Spark engine implements the same methods.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb

from dashboard.sql import budget, files
from dashboard.sql.engine import Inputs, check_call

_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")

#: DuckDB's error class, for callers that turn an engine failure into a contract message.
Error = duckdb.Error


#: Prefix of the spill folders of connections other than an ingest's (see :mod:`dashboard.sql.budget`).
SPILL_PREFIX = "relcheck-spill-"
#: Batches (up to DuckDB's 1 M rows each) waiting for the writer in write_parquet_parts: enough to keep it
#: busy, few enough to stay within the memory the budget leaves outside DuckDB.
PARTS_QUEUE = 2


def connect(memory_limit: str | None = None, temp_directory: Path | None = None,
            preserve_order: bool = True) -> DuckDBEngine:
    """A new in-memory database within the memory budget (:func:`dashboard.sql.budget.current`).

    ``temp_directory``: where it spills (default: a private folder under $RELCHECK_SPILL_DIR or the system's
    temporary folder, made only if it spills); ``memory_limit`` overrides DuckDB's share of the budget (a
    DuckDB size); ``preserve_order=False`` lets operators stream and spill without keeping the input's row
    order, for connections whose every query orders what it writes or does not care (the ingest).
    Threads: as many as the budget affords (:meth:`~dashboard.sql.budget.Budget.engine_threads`), never
    DuckDB's default of every core: DuckDB's sorts, windows and aggregates need memory per thread, and with
    more threads than the budget holds the same query may or may not run out (measured: the gate on a chaos
    candidate, 50,000 places, $RELCHECK_MEMORY=120MB: 3 of 3 runs out of memory somewhere in 8 scenarios on
    two threads, 0 of 3 on one).
    """
    plan = budget.current()
    spill = temp_directory if temp_directory is not None else budget.spill_path(plan, SPILL_PREFIX)
    config = plan.config(spill)
    if memory_limit:
        config["memory_limit"] = memory_limit
    if not preserve_order:
        config["preserve_insertion_order"] = "false"
    return DuckDBEngine(duckdb.connect(":memory:", config=config))


@contextlib.contextmanager
def _naming(query: str) -> Iterator[None]:
    """Name the stored query an engine error came from (:func:`dashboard.sql.budget.explain` says it), so an
    out-of-memory message at a size nobody tested points at the query to look at."""
    try:
        yield
    except duckdb.Error as exc:
        exc.add_note(f"{budget.QUERY_NOTE}{query}")
        raise


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
        with _naming(name):
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
        with _naming(name):
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

    def write_parquet_parts(self, relations: Iterable[duckdb.DuckDBPyRelation], path: Path,
                            flag: str | None = None) -> int:
        """Write relations of one schema, one after another, as one zstd-compressed Parquet file.

        Each relation runs on its own when its turn comes (streamed batch by batch), so each can use the whole
        memory budget; an iterator may make each relation only then. pyarrow's writer, single-threaded, writes
        one relation's batches in a thread of its own while DuckDB computes the next relation: the two overlap
        instead of taking turns, holding at most ``PARTS_QUEUE`` batches between them. ``flag``: a boolean
        column counted and not written (a check riding along the pass); returns how many rows it is true in."""
        import queue
        import threading

        import pyarrow.compute as pc
        import pyarrow.parquet as pq  # heavy: only for a release big enough to need parts

        batches: queue.Queue[Any] = queue.Queue(maxsize=PARTS_QUEUE)
        failed: list[BaseException] = []
        flagged = 0

        def write(writer: Any) -> None:
            while (batch := batches.get()) is not None:  # read to the end, so the producer never blocks
                if not failed:
                    try:
                        writer.write_batch(batch)
                    except BaseException as exc:  # handed to the producer, which stops and raises it
                        failed.append(exc)

        writer = writing = None
        try:
            for rel in relations:
                reader = rel.to_arrow_reader()
                schema = reader.schema if flag is None else reader.schema.remove(reader.schema.get_field_index(flag))
                if writer is None:
                    writer = pq.ParquetWriter(str(path), schema, compression="zstd")
                    writing = threading.Thread(target=write, args=(writer,), name="relcheck-parquet-writer")
                    writing.start()
                for batch in reader:
                    if flag is not None:
                        flagged += pc.sum(batch.column(flag)).as_py() or 0
                        batch = batch.drop_columns([flag])
                    batches.put(batch)
                    if failed:
                        raise failed[0]
        finally:
            if writing is not None:
                batches.put(None)
                writing.join()
            if writer is not None:
                writer.close()
        if failed:
            raise failed[0]
        return flagged

    def write_parquet_split(self, relation: duckdb.DuckDBPyRelation, folder: Path, column: str) -> dict[str, list[Path]]:
        """Write a relation once, split by the values of ``column``: a folder ``column=value`` of snappy Parquet
        files per value, without the column. Returns each value (as text) -> its files. For scratch data that is
        read back part by part."""
        relation.write_parquet(str(folder), compression="snappy", partition_by=[column])
        return {sub.name.split("=", 1)[1]: sorted(sub.glob("*.parquet")) for sub in folder.glob(f"{column}=*")}

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

    # ================================================= weekly patterns files (dashboard/store/patterns*.py)
    # Column names read from a delivered file reach DuckDB only as ColumnExpression, never as SQL text.

    def read_files(self, paths: Sequence[Path], delimiter: str | None, columns: Sequence[str],
                   max_line_size: int) -> duckdb.DuckDBPyRelation:
        """Files of one layout as one relation, each row with its file's path in ``filename``.

        Parquet (``delimiter`` None) comes typed as written; CSV as text columns named ``columns`` (its header,
        read before), without type sniffing, lines up to ``max_line_size`` bytes.
        """
        names = [str(p) for p in paths]
        if delimiter is None:
            return self.con.read_parquet(names, filename=True)
        return self.con.read_csv(
            names, header=True, delimiter=delimiter, quotechar='"', escapechar='"',
            columns={name: "VARCHAR" for name in columns}, auto_detect=False, filename=True,
            max_line_size=max_line_size,
            # DuckDB's default buffer is 16 lines of the longest allowed (1 GiB for 64 MiB lines): over the
            # memory budget's share by itself. Two of them still hold any line allowed.
            buffer_size=2 * max_line_size,
        )

    @staticmethod
    def _as_text(column: str, dtype: str) -> duckdb.Expression:
        """A column as text: lists, structs and maps as JSON, instants with a time zone as epoch seconds.

        ``dtype`` is the type as pyarrow spells it (a Parquet schema) or as DuckDB does.
        """
        col = duckdb.ColumnExpression(column)
        low = dtype.lower()
        if low.startswith(("list", "large_list", "struct", "map")) or low.endswith("[]"):
            return duckdb.FunctionExpression("to_json", col).cast(duckdb.sqltype("VARCHAR"))
        if low.startswith("timestamp") and ("tz=" in low or "time zone" in low):
            return duckdb.FunctionExpression("epoch", col).cast(duckdb.sqltype("VARCHAR"))
        return col.cast(duckdb.sqltype("VARCHAR"))

    @classmethod
    def select_as_text(cls, relation: duckdb.DuckDBPyRelation,
                       picks: Sequence[tuple[str, tuple[str, str] | None]],
                       text_lists: Mapping[str, Sequence[str]]) -> duckdb.DuckDBPyRelation:
        """Only the picked columns, in order, as text: output name <- (column, its type), or NULL text for None;
        then one constant text list per ``text_lists`` entry (output name -> the list)."""
        exprs = [cls._as_text(*source).alias(name) if source is not None
                 else duckdb.ConstantExpression(None).cast(duckdb.sqltype("VARCHAR")).alias(name)
                 for name, source in picks]
        exprs += [duckdb.ConstantExpression(list(values)).cast(duckdb.sqltype("VARCHAR[]")).alias(name)
                  for name, values in text_lists.items()]
        return relation.select(*exprs)

    @staticmethod
    def with_row_number(relation: duckdb.DuckDBPyRelation, name: str, numbered: bool) -> duckdb.DuckDBPyRelation:
        """``relation`` and a BIGINT column ``name``: the row's place in the scan (1 = first) when ``numbered``,
        else NULL (numbering keeps a scan in file order, so it is asked for only where a message needs it)."""
        if not _IDENT.match(name):
            raise ValueError(name)
        return relation.project(f"*, row_number() OVER () AS {name}" if numbered else f"*, CAST(NULL AS BIGINT) AS {name}")

    @staticmethod
    def with_nulls(relation: duckdb.DuckDBPyRelation, optional: Mapping[str, str]) -> duckdb.DuckDBPyRelation:
        """``relation`` with the columns of ``optional`` (name -> type) it lacks added as typed NULLs."""
        extra = [duckdb.ConstantExpression(None).cast(duckdb.sqltype(t)).alias(c)
                 for c, t in optional.items() if c not in relation.columns]
        return relation.select(*[duckdb.ColumnExpression(c) for c in relation.columns], *extra) if extra else relation

    def write_parquet_snappy(self, relation: duckdb.DuckDBPyRelation, path: Path) -> None:
        """Write a relation as one Parquet file, snappy-compressed: a snapshot made to be ingested at once
        (faster to write than zstd; its bytes, and so the release checksum, are the import's since issue 16)."""
        relation.write_parquet(str(path), compression="snappy")

    def register_parquet_files(self, name: str, paths: Sequence[Path]) -> None:
        """Several Parquet files of one schema readable as one relation ``name``."""
        self.register(name, self.con.read_parquet([str(p) for p in paths]))

    def progress(self) -> float | None:
        """How far the query running on this connection is (percent; -1 unknown), or None when it cannot say.

        Called from another thread while the query runs.
        """
        try:
            return float(self.con.query_progress())
        except duckdb.Error:
            return None
