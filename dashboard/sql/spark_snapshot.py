"""What the contract checks (:mod:`dashboard.store.contract`) and the ingest need of an engine, on Spark.

A delivered snapshot is read by Spark (Parquet typed, CSV as text columns, as DuckDB's engine does), its
column types named as DuckDB names them (the contract's rules are written in those names), and relations
written as one Parquet file by Spark itself. Mixed into :class:`dashboard.sql.spark_engine.SparkEngine`.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

#: Spark's simple type names -> DuckDB's (what the contract's type rules are written in).
DUCKDB_TYPES = {
    "string": "VARCHAR", "date": "DATE", "timestamp": "TIMESTAMP WITH TIME ZONE", "timestamp_ntz": "TIMESTAMP",
    "double": "DOUBLE", "float": "FLOAT", "bigint": "BIGINT", "int": "INTEGER", "smallint": "SMALLINT",
    "tinyint": "TINYINT", "boolean": "BOOLEAN", "void": '"NULL"', "binary": "BLOB",
}
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


def duckdb_type(spark_type: str) -> str:
    """A Spark type's simpleString as DuckDB spells the type (decimal(10,2) -> DECIMAL(10,2))."""
    if spark_type.startswith("decimal"):
        return spark_type.upper()
    return DUCKDB_TYPES.get(spark_type, spark_type.upper())


class SnapshotMixin:
    """Reading a snapshot and writing Parquet (``self.spark``, ``self.errors`` come from the engine)."""

    spark: Any

    def errors(self, doing: str) -> Any: ...  # pragma: no cover - the engine's

    def read_file(self, path: Path, delimiter: str) -> Any:
        """A Parquet file as it is, or a CSV file as text columns (the contract types it in SQL)."""
        uri = str(path)
        if path.suffix == ".parquet":
            return self.spark.read.parquet(uri)
        return (self.spark.read.option("header", True).option("sep", delimiter).option("quote", '"')
                .option("escape", '"').option("inferSchema", False).option("mode", "FAILFAST")
                .option("encoding", "UTF-8").csv(uri))

    @staticmethod
    def describe_read_error(exc: Exception) -> str:
        """A Spark error while reading a delivered file, in the contract's words (never Spark's raw text)."""
        text = str(exc)
        if "parquet" in text.lower() or "magic" in text.lower():
            return "is not a readable Parquet file (truncated or another format)"
        if "Malformed" in text or "CSV" in text:
            return ("is not a well-formed CSV file: rows with different numbers of fields or an unclosed quote; "
                    "check the delimiter (--delimiter) and the quoting")
        return "the file could not be read (truncated, or not the format its name says)"

    @staticmethod
    def columns(relation: Any) -> list[str]:
        return list(relation.columns)

    @staticmethod
    def column_types(relation: Any) -> list[tuple[str, str]]:
        """(column, type) pairs, the type as DuckDB spells it (the contract's rules use those names)."""
        return [(f.name, duckdb_type(f.dataType.simpleString())) for f in relation.schema.fields]

    @staticmethod
    def non_null_values(relation: Any, column: str, limit: int) -> list[Any]:
        F = _functions(relation)
        return [r[0] for r in relation.select(F.col(f"`{column}`")).where(F.col(f"`{column}`").isNotNull())
                .limit(limit).collect()]

    @staticmethod
    def project(relation: Any, columns: Sequence[str], null_types: dict[str, str]) -> Any:
        """The given columns in order; absent ones become typed NULLs (only the contract's own names)."""
        F = _functions(relation)
        present = set(relation.columns)
        return relation.select(*[F.col(c) if c in present else F.lit(None).cast(_spark_type(null_types[c])).alias(c)
                                 for c in columns])

    def keep(self, relation: Any, table: str) -> Any:
        """Compute a relation once (a parsed CSV) and return it."""
        if not _NAME.match(table):
            raise ValueError(table)
        kept = relation.localCheckpoint(eager=True)
        kept.createOrReplaceTempView(table)
        return kept

    @staticmethod
    def with_enums(relation: Any, enums: Mapping[str, str]) -> Any:
        """No ENUM types on Spark: the columns stay strings (the Parquet file holds the same strings)."""
        return relation

    def write_parquet(self, relation: Any, path: Path) -> None:
        """Write a relation as one zstd Parquet file at ``path`` (Spark writes a folder; its one part is moved).

        One file, because every reader of the store (DuckDB's engine, pyarrow) opens ``visits.parquet`` as a
        file; Spark still reads it in parallel, one task per row group. The rows keep the query's order.
        """
        parts = path.with_name(path.name + ".parts")
        with self.errors(f"writing {path.name}"):
            (relation.coalesce(1).write.mode("overwrite").option("compression", "zstd").parquet(str(parts)))
        written = sorted(parts.glob("part-*.parquet"))
        if len(written) != 1:
            raise RuntimeError(f"Spark wrote {len(written)} part files for {path.name}, not one")
        written[0].replace(path)
        shutil.rmtree(parts)


def _functions(relation: Any) -> Any:
    """The column functions of the relation's kind of session: pyspark's classic ones need a local SparkContext,
    so a DataFrame of a Spark Connect session takes Connect's own."""
    if type(relation).__module__.startswith("pyspark.sql.connect"):
        from pyspark.sql.connect import functions as connect_functions

        return connect_functions
    from pyspark.sql import functions

    return functions


def _spark_type(duckdb_name: str) -> str:
    return {"VARCHAR": "string", "BIGINT": "bigint", "DOUBLE": "double"}.get(duckdb_name, duckdb_name.lower())
