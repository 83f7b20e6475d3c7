"""Same numbers on both engines (issue 13): compare --by every kind, attribute's splits and Shapley values, gate
statuses, on the tiny hand-made world and on the simulated sample store; locally and through Spark Connect."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from gate_world import stakeholders
from spark_support import running_on, same

from dashboard.acceptance.service import run_gate
from dashboard.attribution.core import attribute
from dashboard.engine.metrics import compare, compare_releases
from dashboard.engine.scopes import BY_KINDS, ScopeDef, simple_scope, stakeholder_scopes
from dashboard.engine.session import PairSession
from dashboard.sql.engine import EngineSettings
from dashboard.store.catalog import Store

pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark")]  # one worker, one JVM


def _both(settings: EngineSettings, fn: Any) -> tuple[Any, Any]:
    """``fn()`` on DuckDB, then on Spark."""
    with running_on(EngineSettings()):
        on_duckdb = fn()
    with running_on(settings):
        on_spark = fn()
    return on_duckdb, on_spark


@pytest.fixture(scope="module")
def world(gate_store_template: Path) -> Store:
    return Store(gate_store_template)


def _every_scope(session: PairSession, holders: Any) -> list[ScopeDef]:
    """The scopes of compare --by X for every X (and all), to compare in one Spark session (one pass, not eight)."""
    defs = [simple_scope("all")]
    names = session.place_names()
    for by in BY_KINDS:
        if by in ("customer", "deal"):
            defs += stakeholder_scopes(by, holders)
        else:
            defs += [simple_scope(by, v, names.get(v) if by == "place" else None) for v in session.values(by)]
    return defs


@pytest.mark.spark_full
def test_compare_by_every_kind_agrees_on_the_tiny_world(world: Store, spark_settings) -> None:
    """Every row of DuckDB's compare --by X, for every X, equals Spark's row of that scope.

    Spark computes all the scopes in one session (the defined-scope queries), then --by place (the
    one-scope-per-value queries of --by category, region, brand, place) as the CLI runs it.
    """
    local, _ = spark_settings
    holders = stakeholders()
    with running_on(EngineSettings()):
        duck = {by: compare_releases(world, "r1", "r2", by=by, stakeholders=holders).to_json()["rows"]
                for by in BY_KINDS}
    with running_on(local):
        with PairSession(world, "r1", "r2") as session:
            spark_rows = {r["scope_id"]: r for r in compare(session, _every_scope(session, holders)).to_json()["rows"]}
        by_place = compare_releases(world, "r1", "r2", by="place").to_json()["rows"]
    for by, rows in duck.items():
        assert rows, by
        for row in rows:
            assert same(row, spark_rows[row["scope_id"]], f"{by}:{row['scope_id']}") == []
    assert same(duck["place"], by_place) == []


@pytest.mark.spark_full
def test_attribute_splits_and_shapley_values_agree(world: Store, spark_settings) -> None:
    local, _ = spark_settings
    duck, spark = _both(local, lambda: attribute(world, "r1", "r2", scope="all").to_json())
    assert duck["by_component"]["contributions"], "the tiny world has ablation runs: Shapley values to compare"
    assert same(duck, spark) == []


def test_gate_statuses_and_values_agree(world: Store, spark_settings) -> None:
    local, _ = spark_settings
    duck, spark = _both(local, lambda: run_gate(world, "r1", "r2", stakeholders(), record=False,
                                                attribute=False))
    assert [(r.criterion, r.scope, r.status) for r in duck.results] == \
           [(r.criterion, r.scope, r.status) for r in spark.results]
    assert same([r.value for r in duck.results], [r.value for r in spark.results]) == []


def test_compare_by_category_agrees_on_the_sample_store(sample_store: Store, spark_settings) -> None:
    local, _ = spark_settings
    duck, spark = _both(local, lambda: compare_releases(sample_store, None, None, by="category").to_json())
    assert len(duck["rows"]) > 5
    assert same(duck, spark) == []


def test_through_spark_connect_reading_the_store_by_uri_the_numbers_are_the_same(
    gate_store_template: Path, spark_settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Spark Connect session (to the test's local Spark) gives the same compare --by region, reading the
    store's files by the URIs $RELCHECK_SPARK_PATH_MAP gives them (file:// here; s3a:// and the like need
    Hadoop's connector jars on the cluster), as a remote cluster would."""
    from dashboard.sql import spark_engine

    _, connect = spark_settings
    home = str(gate_store_template.resolve())
    with running_on(EngineSettings()):
        duck = compare_releases(Store(home), "r1", "r2", by="region").to_json()
    monkeypatch.setenv(spark_engine.PATH_MAP_ENV, f"{home}=file://{home}")
    read: list[str] = []
    real = spark_engine.SparkEngine._read_parquet
    monkeypatch.setattr(spark_engine.SparkEngine, "_read_parquet",
                        lambda self, uri: read.append(uri) or real(self, uri))
    with running_on(connect):
        spark = compare_releases(Store(home), "r1", "r2", by="region").to_json()
    assert read and all(u.startswith(f"file://{home}/releases/") for u in read)
    assert duck["rows"] and same(duck, spark) == []
