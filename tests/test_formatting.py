"""The one value formatter: each surface's preset, and missing or non-finite values handled alike."""

from __future__ import annotations

import math

import pytest

from dashboard import formatting


def test_compact_chart_labels():
    assert formatting.compact(248_000) == "+248k"
    assert formatting.compact(-1_234_567) == "-1.23M"
    assert formatting.compact(0.5) == "+0.5"
    assert formatting.compact(3e9, signed=False) == "3G"
    assert formatting.compact(float("nan")) == ""
    assert formatting.compact(None) == ""


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("visits_current", 1234567.4, "1,234,567"),
        ("places_added", 12, "12"),
        ("delta", 1234.4, "+1,234"),
        ("delta", -56.0, "-56"),
        ("level_change_pct", 1.254, "+1.25 %"),
        ("level_change_pct", -0.5, "-0.50 %"),
        ("weekly_growth_mae_pp", 0.4, "0.40 pp"),
        ("daily_corr", 0.98765, "0.988"),
        ("level_change_ci95_pct", [-1.0, 2.5], "[-1.00 %, +2.50 %]"),
        ("daily_corr", None, "—"),
        ("daily_corr", math.inf, "—"),
        ("unknown_metric", "text", "text"),
    ],
)
def test_metric_value_by_unit(name, value, shown):
    assert formatting.metric_value(name, value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "—"), (True, "True"), (1234567, "1,234,567"), (0.0, "0"), (12345.6, "12,346"),
        (0.123456, "0.1235"), (float("nan"), "—"), ([1, 0.5], "[1, 0.5]"), ("x", "x"),
    ],
)
def test_report_value(value, shown):
    assert formatting.report_value(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, ""), (0.1234567, "0.123457"), (1_000_000, "1000000"), (float("nan"), "nan"),
        ([1.5, None], "[1.5, ]"), ({"b": 1, "a": 2}, '{"a": 2, "b": 1}'), ("x", "x"),
    ],
)
def test_table_cell(value, shown):
    assert formatting.table_cell(value) == shown


def test_number_dashes_missing_values():
    assert formatting.number(1234.5, ",.1f") == "1,234.5"
    assert formatting.number(None, ",.1f", missing="-") == "-"
    assert formatting.number(-math.inf, ",.1f", missing="-") == "-"


@pytest.mark.parametrize(
    ("name", "spec"),
    [("delta", "%+,.0f"), ("visits_current", "%,.0f"), ("places_added", "%,.0f"), ("level_change_pct", "%+.2f"),
     ("weekly_growth_mae_pp", "%.2f"), ("daily_corr", "%.3f"), ("unknown", "%.3f")],
)
def test_column_format_one_per_column_signed_for_changes(name, spec):
    assert formatting.column_format(name) == spec


def test_bound_text_in_words_and_the_metrics_format():
    assert formatting.bound_text("level_change_pct", "between", [-5.0, 5.0]) == "between -5.00 % and +5.00 %"
    assert formatting.bound_text("weekly_growth_mae_pp", "max", 50) == "at most 50.00 pp"
    assert formatting.bound_text("daily_corr", "min", 0.9) == "at least 0.900"
    assert formatting.bound_text("daily_corr", "odd", 0.9) == "0.9"
