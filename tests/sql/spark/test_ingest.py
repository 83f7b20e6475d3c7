"""Ingest on Spark (issue 13 point 4): the same snapshot gives the same stored data and catalog fields as on
DuckDB; a bad snapshot the same contract messages, exit 2, and nothing written."""

from __future__ import annotations

import math
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from snapshots import daily_rows, write_snapshot

from dashboard.cli import main
from dashboard.sql import engine
from dashboard.store.catalog import Store
from dashboard.store.contract import ValidationFailed
from dashboard.store.ingest import ingest_release
from dashboard.store.spark_ingest import OUTPUTS, ingest_release_spark

pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark")]  # one worker, one JVM

PLACES = [{"place_id": p, "name": f"Place {p}", "brand": b, "category": c, "region": "CA"}
          for p, b, c in (("p1", "Acme", "grocery"), ("p2", None, "grocery"), ("p3", "Zed", "fuel"))]


def _snapshot(folder: Path, bad: bool = False) -> Path:
    visits = [*daily_rows("p1", "2026-10-01", [10.5, 11.25, 0.1]), *daily_rows("p2", "2026-10-01", [3, 4, 5]),
              *daily_rows("p1", "2026-10-01", [1.0 / 3, 2.0 / 3, 7], source="sdk_b"),
              *daily_rows("p3", "2026-10-02", [100, 200], source="sdk_b")]
    if bad:
        visits += [*daily_rows("p9", "2026-10-01", [1]), *daily_rows("p2", "2026-10-04", [-2])]
    return write_snapshot(folder, "2026.10.0", visits, PLACES)


def _rows(path: Path) -> list[tuple]:
    table = pq.read_table(path)
    return sorted(zip(*[c.to_pylist() for c in table.columns], strict=True), key=repr)


def test_the_same_snapshot_is_stored_the_same_on_both_engines(tmp_path: Path, spark_settings) -> None:
    local, _ = spark_settings
    folder = _snapshot(tmp_path / "snap")
    on_duckdb = ingest_release(Store(tmp_path / "duck"), folder)
    on_spark = ingest_release_spark(Store(tmp_path / "spark"), folder, local)
    skip = {"ingested_at", "folder", "sequence", "source_folder"}
    assert {k: v for k, v in on_duckdb.to_dict().items() if k not in skip} == \
           {k: v for k, v in on_spark.to_dict().items() if k not in skip}
    for file in [f for f, _query, _inputs in OUTPUTS] + ["label_daily.parquet"]:
        duck, spark = (pq.read_table(r.folder / file) for r in (on_duckdb, on_spark))
        assert duck.column_names == spark.column_names, file
        a, b = _rows(on_duckdb.folder / file), _rows(on_spark.folder / file)
        assert len(a) == len(b) > 0, file
        for x, y in zip(a, b, strict=True):
            assert all(math.isclose(u, v, rel_tol=1e-12) if isinstance(u, float) else u == v
                       for u, v in zip(x, y, strict=True)), (file, x, y)
    # The DuckDB engine (every reader of the store) reads what Spark wrote: one release compared with itself.
    assert Store(tmp_path / "spark").release("2026.10.0").visits_path.is_file()


def test_a_bad_snapshot_gets_the_same_messages_and_exit_2_and_nothing_is_written(tmp_path: Path, spark_settings,
                                                                                  monkeypatch) -> None:
    local, _ = spark_settings
    folder = _snapshot(tmp_path / "bad", bad=True)
    with pytest.raises(ValidationFailed) as on_duckdb:
        ingest_release(Store(tmp_path / "duck"), folder)
    monkeypatch.setattr(engine, "_chosen", None)
    home = tmp_path / "spark"
    result = CliRunner().invoke(main, ["ingest", str(folder), "--home", str(home), "--engine", "spark",
                                      "--spark-master", local.master])
    monkeypatch.setattr(engine, "_chosen", None)
    assert result.exit_code == 2, result.output
    for problem in on_duckdb.value.problems:
        assert str(problem) in result.output
    assert not (home / "catalog.json").exists() and not list(home.glob("releases/*/*"))
