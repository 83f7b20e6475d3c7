"""The stakeholders file's rules: a valid file, file-level errors, keys, required fields, ids, enums, lists, scopes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from stakeholders_toml import SRC, VALID, crit, cust, deal, expect_error, toml_doc

from dashboard.errors import ContractError
from dashboard.stakeholders import (
    Criterion,
    Customer,
    Deal,
    Stakeholders,
    load_stakeholders,
    parse_stakeholders,
)


def test_valid_file_loads_with_types_and_defaults(tmp_path: Path) -> None:
    path = tmp_path / "stakeholders.toml"
    path.write_text(VALID, encoding="utf-8")
    s = load_stakeholders(path)
    assert s.source == str(path)
    assert s.customers[0] == Customer(
        id="freshco",
        name="FreshCo Inc.",
        tier="key",
        brands=("FreshCo",),
        competitors=("ValueMart", "GreenBasket"),
        regions=("NE", "W"),
        place_ids=(),
    )
    assert s.customers[1].tier == "standard"  # the default
    assert s.customers[1].place_ids == ("p-001", "p-002")
    assert s.deals == (
        Deal(
            id="pacific-fitness-trial",
            prospect="Pacific Fitness",
            stage="trial",
            owner="sales engineering",
            categories=("Fitness and Recreational Sports Centers",),
            regions=("W", "SW"),
        ),
    )
    c0, c1 = s.criteria
    assert c0 == Criterion(
        name="key customers keep their weekly trend",
        applies_to="customers",
        where={"tier": "key"},
        metric="weekly_growth_mae_pp",
        min=None,
        max=1.0,
        severity="block",
    )
    assert (c1.min, c1.max, c1.severity, c1.where) == (0.9, 1.0, "warn", {})
    assert isinstance(c1.max, float)
    # Frozen and hashable (the dashboard caches on them).
    with pytest.raises(AttributeError):
        s.customers[0].name = "x"  # type: ignore[misc]
    assert len({s, s}) == 1


def test_parse_is_deterministic_and_default_source() -> None:
    a, b = parse_stakeholders(VALID), parse_stakeholders(VALID)
    assert a == b
    assert a.source == "<string>"


def test_empty_file_is_valid_and_empty() -> None:
    assert parse_stakeholders("", SRC) == Stakeholders((), (), (), SRC)


# --- file-level rules ------------------------------------------------------------------------------------


def test_malformed_toml_reports_line_and_column() -> None:
    text = '[[customers]]\nid = "a"\nname = FreshCo\n'
    err = expect_error(text, None, "malformed TOML at line 3, column 8", "Invalid value")
    assert err.examples == ["name = FreshCo"]


def test_malformed_toml_at_end_of_document() -> None:
    expect_error('[[customers]]\nbrands = ["a"', None, "malformed TOML", "end of document")


def test_duplicate_key_is_malformed_toml() -> None:
    expect_error('[[customers]]\nid = "a"\nid = "b"\n', None, "malformed TOML at line 3")


def test_missing_file_and_bad_encoding(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ContractError, match=re.escape(f"{missing}: stakeholders file not found")):
        load_stakeholders(missing)
    bad = tmp_path / "latin1.toml"
    bad.write_bytes('[[customers]]\nname = "Café"\n'.encode("latin-1"))
    with pytest.raises(ContractError, match=re.escape(f"{bad}: not valid UTF-8")):
        load_stakeholders(bad)


def test_unknown_top_level_table_suggests() -> None:
    expect_error(toml_doc(customer=[cust()]), "customer", "unknown top-level table 'customer'", "'customers'")
    expect_error("version = 2\n", "version", "unknown top-level table 'version'")


def test_single_table_instead_of_array() -> None:
    expect_error('[customers]\nid = "a"\n', "customers", "write [[customers]], not [customers]")
    expect_error('customers = "a"\n', "customers", "array of tables")
    expect_error("customers = [1]\n", "customers[0]", "each entry must be a table")


# --- unknown keys ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "entry", "bad", "label", "suggestion"),
    [
        ("customers", cust(), "competitor", 'customers[0] (id="freshco")', "competitors"),
        ("customers", cust(), "place_id", 'customers[0] (id="freshco")', "place_ids"),
        ("deals", deal(), "catgories", 'deals[0] (id="pf")', "categories"),
        ("criteria", crit(), "severty", 'criteria[0] (name="trend")', "severity"),
        ("criteria", crit(), "maximum", 'criteria[0] (name="trend")', "max"),
    ],
)
def test_unknown_key_suggests_closest(
    table: str, entry: dict[str, Any], bad: str, label: str, suggestion: str
) -> None:
    entry = {**entry, bad: ["x"]}
    others: dict[str, list[dict[str, Any]]] = {"customers": [cust()]} if table == "criteria" else {}
    text = toml_doc(**others, **{table: [entry]})
    expect_error(text, f"{label}.{bad}", f"unknown key '{bad}'", f"did you mean '{suggestion}'?")


def test_unknown_key_without_close_match_lists_known() -> None:
    expect_error(
        toml_doc(customers=[cust(colour=["red"])]),
        'customers[0] (id="freshco").colour',
        "known keys: id, name",
    )


# --- required fields -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tables", "field"),
    [
        ({"customers": [cust(id=None)]}, "customers[0].id"),
        ({"customers": [cust(name=None)]}, 'customers[0] (id="freshco").name'),
        ({"deals": [deal(id=None)]}, "deals[0].id"),
        ({"deals": [deal(prospect=None)]}, 'deals[0] (id="pf").prospect'),
        ({"deals": [deal(stage=None)]}, 'deals[0] (id="pf").stage'),
        ({"customers": [cust()], "criteria": [crit(name=None)]}, "criteria[0].name"),
        (
            {"customers": [cust()], "criteria": [crit(applies_to=None)]},
            'criteria[0] (name="trend").applies_to',
        ),
        ({"customers": [cust()], "criteria": [crit(metric=None)]}, 'criteria[0] (name="trend").metric'),
        ({"customers": [cust()], "criteria": [crit(severity=None)]}, 'criteria[0] (name="trend").severity'),
    ],
)
def test_required_field_missing(tables: dict[str, list[dict[str, Any]]], field: str) -> None:
    key = field.rsplit(".", 1)[1]
    expect_error(toml_doc(**tables), field, f"required field '{key}' is missing")


def test_criterion_needs_min_or_max() -> None:
    text = toml_doc(customers=[cust()], criteria=[crit(max=None)])
    expect_error(text, 'criteria[0] (name="trend").max', "needs a bound: set min, max or both")


@pytest.mark.parametrize(
    ("entry", "field", "bit"),
    [
        (cust(name=""), 'customers[0] (id="freshco").name', "non-empty string"),
        (cust(name="  "), 'customers[0] (id="freshco").name', "non-empty string"),
        (cust(name=3), 'customers[0] (id="freshco").name', "must be a string, got int"),
        (cust(id=7), "customers[0].id", "must be a string, got int"),
    ],
)
def test_string_fields_are_non_empty_strings(entry: dict[str, Any], field: str, bit: str) -> None:
    expect_error(toml_doc(customers=[entry]), field, bit)


def test_deal_owner_optional_but_typed() -> None:
    s = parse_stakeholders(toml_doc(deals=[deal()]), SRC)
    assert s.deals[0].owner is None
    expect_error(
        toml_doc(deals=[deal(owner=["a"])]), 'deals[0] (id="pf").owner', "must be a string, got list"
    )


# --- ids and names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["fresh co", "-lead", ".x", "a" * 65, "café", "a/b", "x:y"])
def test_invalid_ids(bad: str) -> None:
    expect_error(toml_doc(customers=[cust(id=bad)]), f'customers[0] (id="{bad}").id', f'invalid id "{bad}"')
    expect_error(
        toml_doc(deals=[deal(id=bad)]), f'deals[0] (id="{bad}").id', "[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
    )


@pytest.mark.parametrize("good", ["a", "A9", "9a", "a.b_c-d", "a" * 64])
def test_valid_ids(good: str) -> None:
    assert parse_stakeholders(toml_doc(customers=[cust(id=good)]), SRC).customers[0].id == good


def test_duplicate_customer_ids() -> None:
    text = toml_doc(customers=[cust(), cust(id="other"), cust()])
    expect_error(text, 'customers[2] (id="freshco").id', 'duplicate id "freshco"', "customers[0]")


def test_duplicate_deal_ids() -> None:
    expect_error(toml_doc(deals=[deal(), deal()]), 'deals[1] (id="pf").id', 'duplicate id "pf"')


def test_same_id_for_a_customer_and_a_deal_is_fine() -> None:
    s = parse_stakeholders(toml_doc(customers=[cust(id="x")], deals=[deal(id="x")]), SRC)
    assert s.customer("x").id == s.deal("x").id == "x"


def test_duplicate_criterion_names() -> None:
    text = toml_doc(customers=[cust()], criteria=[crit(), crit(max=2.0)])
    expect_error(text, 'criteria[1] (name="trend").name', 'duplicate name "trend"', "criteria[0]")


# --- enumerations ----------------------------------------------------------------------------------------


def test_tier() -> None:
    expect_error(
        toml_doc(customers=[cust(tier="gold")]),
        'customers[0] (id="freshco").tier',
        '"gold" is not one of key | standard',
    )
    expect_error(
        toml_doc(customers=[cust(tier="Key")]), 'customers[0] (id="freshco").tier', "did you mean 'key'"
    )


def test_stage() -> None:
    expect_error(
        toml_doc(deals=[deal(stage="won")]),
        'deals[0] (id="pf").stage',
        "not one of trial | negotiation | closing",
    )


def test_applies_to() -> None:
    text = toml_doc(customers=[cust()], criteria=[crit(applies_to="customer")])
    expect_error(
        text, 'criteria[0] (name="trend").applies_to', "customers | deals | categories | regions | all"
    )


def test_severity() -> None:
    text = toml_doc(customers=[cust()], criteria=[crit(severity="error")])
    expect_error(text, 'criteria[0] (name="trend").severity', '"error" is not one of block | warn')


# --- list fields -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "bit"),
    [
        ("FreshCo", 'must be a list of strings, got str (write brands = ["FreshCo"])'),
        (["FreshCo", ""], 'item 1 is ""'),
        (["FreshCo", 3], "item 1 is 3"),
        ([["a"]], "item 0 is ['a']"),
    ],
)
def test_list_fields_are_lists_of_non_empty_strings(value: Any, bit: str) -> None:
    expect_error(toml_doc(customers=[cust(brands=value)]), 'customers[0] (id="freshco").brands', bit)


def test_list_field_rule_applies_to_deals_too() -> None:
    expect_error(toml_doc(deals=[deal(place_ids=[1])]), 'deals[0] (id="pf").place_ids', "non-empty strings")


# --- empty scopes ----------------------------------------------------------------------------------------


def test_customer_with_empty_scope() -> None:
    entry = cust(brands=[], competitors=[], regions=["NE"])
    expect_error(toml_doc(customers=[entry]), 'customers[0] (id="freshco").brands', "empty scope")
    expect_error(toml_doc(customers=[cust(brands=None)]), 'customers[0] (id="freshco").brands', "empty scope")


@pytest.mark.parametrize("only", ["brands", "competitors", "place_ids"])
def test_customer_scope_from_any_one_list(only: str) -> None:
    entry = cust(**{"brands": None, only: ["x"]})
    assert parse_stakeholders(toml_doc(customers=[entry]), SRC).customers[0].id == "freshco"


def test_deal_with_no_filter() -> None:
    entry = deal(regions=[], categories=[], brands=[], place_ids=[])
    expect_error(toml_doc(deals=[entry]), 'deals[0] (id="pf").categories', "empty scope", "non-empty filter")


@pytest.mark.parametrize("only", ["categories", "regions", "brands", "place_ids"])
def test_deal_scope_from_any_one_filter(only: str) -> None:
    entry = deal(**{"regions": None, only: ["x"]})
    assert parse_stakeholders(toml_doc(deals=[entry]), SRC).deals[0].id == "pf"
