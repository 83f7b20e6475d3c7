"""The translation to Spark SQL (no Spark needed) and the engine choice's errors (no JVM started)."""

from __future__ import annotations

import re

from click.testing import CliRunner

from dashboard.cli import main
from dashboard.sql import engine, files, translate


def test_every_query_file_translates_and_no_duckdb_only_function_is_left() -> None:
    for name in files.all_names():
        body = translate.to_spark(files.load(name).sql).sql.lower().split("*/")[-1]  # past the header comments
        assert "fsum(" not in body and "query_table(" not in body and "int128" not in body, name
        assert not re.search(r"\$[a-z_]", re.sub(r"'(?:[^']|'')*'", "''", body)), name  # parameters are :name


def test_rewrites_give_exact_sums_ordered_folds_and_list_parameters_as_json() -> None:
    totals = translate.to_spark(files.load("metrics_totals").sql).sql
    assert "CAST(SUM(CAST(visits AS DECIMAL(38, 12))) AS DOUBLE)" in totals
    weekly = translate.to_spark(files.load("series_weekly").sql).sql
    assert "AGGREGATE(" in weekly and "ARRAY_SORT(COLLECT_LIST(" in weekly
    cells = translate.to_spark(files.load("attr_cells").sql, (("scope_ids", "array<string>"),)).sql
    assert "FROM_JSON(:scope_ids, 'array<string>')" in cells
    keep = translate.to_spark(files.load("chaos_places_keep").sql)
    assert keep.table_params == {"places"} and "FROM qt_places AS p" in keep.sql


def test_engine_settings_come_from_the_environment(monkeypatch) -> None:
    monkeypatch.setattr(engine, "_chosen", None)
    monkeypatch.setenv("RELCHECK_ENGINE", "Spark")
    monkeypatch.setenv("RELCHECK_SPARK_REMOTE", "sc://example:15002")
    s = engine.settings()
    assert (s.name, s.master, s.remote) == ("spark", "local[*]", "sc://example:15002")


def test_an_unreachable_spark_connect_server_is_a_clear_error_with_exit_2(sample_store, monkeypatch) -> None:
    monkeypatch.setattr(engine, "_chosen", None)
    result = CliRunner().invoke(main, ["compare", "--home", str(sample_store.home), "--engine", "spark",
                                      "--spark-remote", "sc://127.0.0.1:1"])
    assert result.exit_code == 2
    assert "cannot reach the Spark Connect server at 127.0.0.1:1" in result.output
    assert engine.settings().name == "spark"  # the option set the process's engine
    monkeypatch.setattr(engine, "_chosen", None)
