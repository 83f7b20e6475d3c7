"""write_parquet_parts (issue 17): relations written one after another as one file, pyarrow's writer in a
thread of its own beside DuckDB. The file is what one query would write; a failure on either side stops both
and is raised, with no writer thread left running."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from dashboard.sql import duckdb_engine


@pytest.fixture
def engine() -> Iterator[duckdb_engine.DuckDBEngine]:
    eng = duckdb_engine.connect()
    yield eng
    eng.close()


def _writers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "relcheck-parquet-writer"]


def test_parts_make_one_file_in_order_as_one_query(engine: duckdb_engine.DuckDBEngine, tmp_path: Path) -> None:
    # Parts of several batches each (DuckDB hands out up to 1 M rows a batch), so the queue fills and drains.
    bounds = [(0, 2_500_000), (2_500_000, 2_500_000), (2_500_000, 4_100_000), (4_100_000, 4_100_003)]
    parts = (engine.con.sql(f"SELECT range AS n, range % 7 AS k FROM range({lo}, {hi})") for lo, hi in bounds)
    engine.write_parquet_parts(parts, tmp_path / "out.parquet")
    whole = engine.con.sql("SELECT range AS n, range % 7 AS k FROM range(0, 4100003)").fetchall()
    assert engine.con.sql(f"SELECT * FROM read_parquet('{tmp_path / 'out.parquet'}')").fetchall() == whole
    assert pq.ParquetFile(tmp_path / "out.parquet").metadata.num_rows == 4_100_003
    assert not _writers()


def test_parts_without_rows_still_make_a_file_with_the_columns(engine: duckdb_engine.DuckDBEngine,
                                                               tmp_path: Path) -> None:
    engine.write_parquet_parts([engine.con.sql("SELECT 1::BIGINT AS n, 'a' AS k WHERE false")], tmp_path / "e.parquet")
    schema = pq.read_schema(tmp_path / "e.parquet")
    assert schema.names == ["n", "k"] and pq.ParquetFile(tmp_path / "e.parquet").metadata.num_rows == 0


def test_an_engine_error_in_a_later_part_is_raised_and_the_writer_stops(engine: duckdb_engine.DuckDBEngine,
                                                                        tmp_path: Path) -> None:
    def parts() -> Iterator[duckdb.DuckDBPyRelation]:
        yield engine.con.sql("SELECT range AS n FROM range(3000000)")
        yield engine.con.sql("SELECT CAST('x' || range AS BIGINT) AS n FROM range(10)")  # fails when run

    with pytest.raises(duckdb.ConversionException):
        engine.write_parquet_parts(parts(), tmp_path / "bad.parquet")
    assert not _writers()


def test_a_writer_error_is_raised_in_the_caller_and_the_engine_stops(engine: duckdb_engine.DuckDBEngine,
                                                                    tmp_path: Path) -> None:
    made: list[int] = []

    def parts() -> Iterator[duckdb.DuckDBPyRelation]:
        for i in range(50):
            made.append(i)
            # The second part's column is text: pyarrow's writer refuses a batch of another schema.
            yield engine.con.sql("SELECT range AS n FROM range(1000)" if i == 0 else "SELECT 'a' AS n")

    with pytest.raises(ValueError, match="schema"):
        engine.write_parquet_parts(parts(), tmp_path / "mixed.parquet")
    assert len(made) < 50  # the producer stopped at the writer's error, not at the end
    assert not _writers()


def test_a_flag_column_is_counted_and_not_written(engine: duckdb_engine.DuckDBEngine, tmp_path: Path) -> None:
    parts = [engine.con.sql(f"SELECT range AS n, range % {m} = 0 AS odd_one FROM range({lo}, {hi})")
             for lo, hi, m in ((0, 10, 5), (10, 1_500_010, 1000), (1_500_010, 1_500_012, 7))]
    flagged = engine.write_parquet_parts(parts, tmp_path / "f.parquet", flag="odd_one")
    expected = engine.con.sql("SELECT count(*) FILTER (WHERE range % 5 = 0 AND range < 10) + count(*) FILTER "
                              "(WHERE range % 1000 = 0 AND range >= 10 AND range < 1500010) + count(*) FILTER "
                              "(WHERE range % 7 = 0 AND range >= 1500010) FROM range(1500012)").fetchall()[0][0]
    assert flagged == expected == 2 + 1500  # 0 and 5; 1000 .. 1500000; none of 1500010-11 is a multiple of 7
    assert pq.read_schema(tmp_path / "f.parquet").names == ["n"]
    assert pq.ParquetFile(tmp_path / "f.parquet").metadata.num_rows == 1_500_012
    assert engine.write_parquet_parts([engine.con.sql("SELECT 1 AS n, false AS odd_one")], tmp_path / "g.parquet",
                                      flag="odd_one") == 0
