"""The stakeholders file's criterion rules: the metric, the bounds, the `where` filter."""

from __future__ import annotations

from typing import Any

import pytest
from stakeholders_toml import SRC, crit, cust, deal, expect_error, toml_doc

from dashboard.metric_catalog import METRICS
from dashboard.stakeholders import (
    parse_stakeholders,
)
from dashboard.stakeholders.model import JUDGEABLE_METRICS


def test_unknown_metric_lists_valid_names() -> None:
    text = toml_doc(customers=[cust()], criteria=[crit(metric="weekly_growth")])
    err = expect_error(
        text,
        'criteria[0] (name="trend").metric',
        'unknown metric "weekly_growth"',
        "did you mean 'weekly_growth_mae_pp'",
    )
    for name in JUDGEABLE_METRICS:
        assert name in str(err)


def test_non_judgeable_metric_is_refused() -> None:
    text = toml_doc(customers=[cust()], criteria=[crit(metric="level_change_ci95_pct")])
    expect_error(text, 'criteria[0] (name="trend").metric', "not judged by criteria", "valid metrics: ")


def test_judgeable_metrics_come_from_the_catalog() -> None:
    assert set(JUDGEABLE_METRICS) == {n for n, m in METRICS.items() if m.judgeable}
    assert "level_change_ci95_pct" not in JUDGEABLE_METRICS
    for name in JUDGEABLE_METRICS:
        parse_stakeholders(toml_doc(customers=[cust()], criteria=[crit(metric=name)]), SRC)


# --- min / max -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kw", "field", "bit"),
    [
        ({"max": True}, "max", "must be a number, got bool"),
        ({"max": "1.0"}, "max", "must be a number, got str"),
        ({"max": None, "min": [1]}, "min", "must be a number, got list"),
        ({"max": float("nan")}, "max", "finite"),
        ({"max": float("inf")}, "max", "finite"),
        ({"max": None, "min": float("-inf")}, "min", "finite"),
        ({"min": 2, "max": 1}, "min", "min (2) is greater than max (1)"),
    ],
)
def test_bounds(kw: dict[str, Any], field: str, bit: str) -> None:
    text = toml_doc(customers=[cust()], criteria=[crit(**kw)])
    expect_error(text, f'criteria[0] (name="trend").{field}', bit)


def test_integer_bounds_and_equal_bounds_are_fine() -> None:
    s = parse_stakeholders(toml_doc(customers=[cust()], criteria=[crit(min=0, max=0)]), SRC)
    c = s.criteria[0]
    assert (c.min, c.max) == (0.0, 0.0)
    assert c.evaluate(0) == "pass"
    assert c.evaluate(0.001) == "fail"


# --- where -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("applies_to", "key", "suggestion"),
    [
        ("customers", "tiers", "tier"),
        ("customers", "place_ids", None),  # not a filterable field, on purpose
        ("customers", "stage", None),
        ("deals", "tier", None),
        ("deals", "categorys", "categories"),
        ("categories", "category", None),
        ("regions", "brand", None),
        ("all", "names", "name"),
    ],
)
def test_where_keys_must_be_fields_of_the_entity(applies_to: str, key: str, suggestion: str | None) -> None:
    text = toml_doc(customers=[cust()], criteria=[crit(applies_to=applies_to, where={key: "x"})])
    bits = [f"'{key}' is not a field of {applies_to}", "filterable fields:"]
    if suggestion:
        bits.append(f"did you mean '{suggestion}'")
    expect_error(text, f'criteria[0] (name="trend").where.{key}', *bits)


@pytest.mark.parametrize("value", [1, True, [], ["a", 2], {"a": "b"}])
def test_where_values_are_strings_or_string_lists(value: Any) -> None:
    text = toml_doc(customers=[cust()], criteria=[crit(where={"name": value})])
    expect_error(text, 'criteria[0] (name="trend").where.name', "string or a non-empty list of strings")


def test_where_must_be_a_table() -> None:
    text = toml_doc(customers=[cust()], criteria=[crit(where="tier=key")])
    expect_error(text, 'criteria[0] (name="trend").where', "must be a table")


def test_where_values_that_can_never_match_are_typos() -> None:
    base = {"customers": [cust()], "deals": [deal()]}
    expect_error(
        toml_doc(**base, criteria=[crit(where={"tier": "kye"})]),
        'criteria[0] (name="trend").where.tier',
        '"kye" matches no customers tier',
        "did you mean 'key'",
    )
    expect_error(
        toml_doc(**base, criteria=[crit(applies_to="deals", where={"stage": ["trial", "closed"]})]),
        'criteria[0] (name="trend").where.stage',
        '"closed" matches no deals stage',
    )
    expect_error(
        toml_doc(**base, criteria=[crit(where={"id": "fresco"})]),
        'criteria[0] (name="trend").where.id',
        '"fresco" matches no customers id',
        "existing: freshco",
    )
    # Categories and regions are not listed in the file, so their names are not checked here.
    ok = parse_stakeholders(toml_doc(**base, criteria=[crit(applies_to="regions", where={"id": "NE"})]), SRC)
    assert ok.criteria[0].where == {"id": "NE"}


def test_where_list_values_are_stored_as_tuples() -> None:
    s = parse_stakeholders(
        toml_doc(customers=[cust()], criteria=[crit(where={"tier": ["key", "standard"]})]), SRC
    )
    assert s.criteria[0].where == {"tier": ("key", "standard")}
