"""Stakeholders file (DESIGN section 4): loading, every validation rule, matching, judging, snippets."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pytest

from dashboard.errors import ContractError, NotFoundError
from dashboard.metric_catalog import METRICS
from dashboard.stakeholders import (
    Criterion,
    Customer,
    Deal,
    Stakeholders,
    as_dict,
    load_stakeholders,
    parse_stakeholders,
    stakeholder_snippet,
    toml_string,
)
from dashboard.stakeholders.model import JUDGEABLE_METRICS

SRC = "team/stakeholders.toml"

# The design's own example, verbatim apart from a second customer and a warn criterion.
VALID = """\
[[customers]]
id          = "freshco"
name        = "FreshCo Inc."
tier        = "key"                       # key | standard
brands      = ["FreshCo"]                 # own brands
competitors = ["ValueMart", "GreenBasket"]
regions     = ["NE", "W"]                 # optional: restrict to these regions
place_ids   = []                          # optional: explicit extra places

[[customers]]
id    = "corner.shop_2"
name  = "Corner Shop"
place_ids = ["p-001", "p-002"]

[[deals]]
id       = "pacific-fitness-trial"
prospect = "Pacific Fitness"
stage    = "trial"                        # trial | negotiation | closing
owner    = "sales engineering"
categories = ["Fitness and Recreational Sports Centers"]
regions    = ["W", "SW"]
brands     = []                           # optional, as for customers
place_ids  = []

[[criteria]]
name       = "key customers keep their weekly trend"
applies_to = "customers"                  # customers | deals | categories | regions | all
where      = { tier = "key" }             # optional filter on the stakeholder's fields
metric     = "weekly_growth_mae_pp"       # any metric of section 5
max        = 1.0                          # or: min = 0.95
severity   = "block"                      # block | warn

[[criteria]]
name       = "ranks hold everywhere"
applies_to = "all"
metric     = "rank_corr"
min        = 0.9
max        = 1
severity   = "warn"
"""


# --- a tiny TOML writer for building test documents (independent of the module's snippet writer) ----------


def _val(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list):
        return "[" + ", ".join(_val(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_val(x)}" for k, x in v.items()) + " }"
    raise TypeError(v)


def toml_doc(**tables: list[dict[str, Any]]) -> str:
    out = []
    for table, entries in tables.items():
        for e in entries:
            out.append(f"[[{table}]]")
            out += [f"{k} = {_val(v)}" for k, v in e.items()]
            out.append("")
    return "\n".join(out)


def cust(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"id": "freshco", "name": "FreshCo Inc.", "brands": ["FreshCo"]}
    base.update(kw)
    return {k: v for k, v in base.items() if v is not None}


def deal(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"id": "pf", "prospect": "Pacific Fitness", "stage": "trial", "regions": ["W"]}
    base.update(kw)
    return {k: v for k, v in base.items() if v is not None}


def crit(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "trend",
        "applies_to": "customers",
        "metric": "weekly_growth_mae_pp",
        "max": 1.0,
        "severity": "block",
    }
    base.update(kw)
    return {k: v for k, v in base.items() if v is not None}


def expect_error(text: str, field: str | None, *rule_bits: str) -> ContractError:
    """The message names the file and the entry+field, then the rule."""
    head = f"{SRC}, field '{field}': " if field else f"{SRC}: "
    with pytest.raises(ContractError, match="^" + re.escape(head)) as info:
        parse_stakeholders(text, source=SRC)
    err = info.value
    msg = str(err)
    for bit in rule_bits:
        assert bit in msg, f"{bit!r} not in {msg!r}"
    assert err.file == SRC
    assert err.field == field
    return err


# --- a valid file ----------------------------------------------------------------------------------------


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


def test_lookup_helpers() -> None:
    s = parse_stakeholders(VALID, SRC)
    assert s.customer("freshco").name == "FreshCo Inc."
    assert s.deal("pacific-fitness-trial").stage == "trial"
    assert s.criterion("ranks hold everywhere").metric == "rank_corr"
    with pytest.raises(NotFoundError, match=r"no customer 'fresh'.*freshco, corner\.shop_2.*did you mean"):
        s.customer("fresh")
    with pytest.raises(NotFoundError, match=r"no deal 'nope'; existing: pacific-fitness-trial"):
        s.deal("nope")
    with pytest.raises(NotFoundError, match=r"no criterion 'x'.*ranks hold everywhere"):
        s.criterion("x")
    with pytest.raises(NotFoundError, match=r"existing: \(none\)"):
        Stakeholders((), (), (), SRC).deal("x")


def test_as_dict_gives_plain_lists() -> None:
    s = parse_stakeholders(VALID, SRC)
    assert as_dict(s.customers[0])["competitors"] == ["ValueMart", "GreenBasket"]
    assert as_dict(s.criteria[0])["where"] == {"tier": "key"}


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


# --- metric ----------------------------------------------------------------------------------------------


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


# --- matching --------------------------------------------------------------------------------------------

FRESH = Customer("freshco", "FreshCo", "key", ("FreshCo",), ("ValueMart", "GreenBasket"), ("NE", "W"), ())
CORNER = Customer("corner", "Corner", "standard", (), ("FreshCo",), (), ("p1",))
PF = Deal("pf", "Pacific Fitness", "trial", None, ("Gyms",), ("W",), (), ())


def c(applies_to: str = "customers", **where: Any) -> Criterion:
    return Criterion("c", applies_to, where, "rank_corr", 0.9, None, "block")


def test_empty_where_matches_everything_of_its_kind() -> None:
    assert c().matches(FRESH) and c().matches(CORNER)
    assert not c().matches(PF)  # a customers criterion never applies to a deal
    assert c("deals").matches(PF) and not c("deals").matches(FRESH)
    assert c("regions").matches("NE") and c("all").matches("all")


def test_string_value_matches_scalar_by_equality() -> None:
    assert c(tier="key").matches(FRESH)
    assert not c(tier="key").matches(CORNER)
    assert not c(tier="ke").matches(FRESH)  # equality, not substring


def test_string_value_matches_list_field_by_membership() -> None:
    assert c(competitors="ValueMart").matches(FRESH)
    assert not c(competitors="Value").matches(FRESH)
    assert c(brands="FreshCo").matches(FRESH) and not c(brands="FreshCo").matches(CORNER)
    assert not c(regions="NE").matches(CORNER)  # empty list: nothing to match


def test_list_value_means_any_of() -> None:
    assert c(tier=["standard", "key"]).matches(FRESH)
    assert c(id=("freshco", "corner")).matches(CORNER)
    assert c(regions=["SW", "W"]).matches(FRESH)  # list field against list value: any overlap
    assert not c(regions=["SW", "S"]).matches(FRESH)


def test_all_conditions_must_hold() -> None:
    assert c(tier="key", regions="NE").matches(FRESH)
    assert not c(tier="key", regions="S").matches(FRESH)


def test_deal_fields_and_missing_values() -> None:
    assert c("deals", stage="trial", categories="Gyms").matches(PF)
    assert not c("deals", owner="sales engineering").matches(PF)  # owner is None
    assert c("deals", owner=["x", "sales"]).matches(Deal("d", "P", "closing", "sales", (), (), ("B",), ()))


def test_names_and_mappings() -> None:
    assert c("categories", name="Gyms").matches("Gyms")
    assert c("categories", id=["Gyms", "Cafes"]).matches("Cafes")
    assert not c("categories", name="Gyms").matches("Cafes")
    assert c("regions", name="W").matches({"id": "W", "name": "W"})
    assert not c("regions", name="W").matches({"id": "W"})


def test_matches_on_loaded_file() -> None:
    s = parse_stakeholders(VALID, SRC)
    key = s.criterion("key customers keep their weekly trend")
    assert [x.id for x in s.customers if key.matches(x)] == ["freshco"]


# --- evaluate, op, threshold -----------------------------------------------------------------------------


def test_evaluate_max_boundary() -> None:
    k = Criterion("k", "customers", {}, "weekly_growth_mae_pp", None, 1.0, "block")
    assert k.evaluate(1.0) == "pass"
    assert k.evaluate(1) == "pass"
    assert k.evaluate(0.999999) == "pass"
    assert k.evaluate(math.nextafter(1.0, 2.0)) == "fail"
    assert k.evaluate(-5) == "pass"
    assert k.evaluate(float("inf")) == "fail"


def test_evaluate_min_boundary_and_warn_severity() -> None:
    k = Criterion("k", "all", {}, "rank_corr", 0.95, None, "warn")
    assert k.evaluate(0.95) == "pass"
    assert k.evaluate(1.0) == "pass"
    assert k.evaluate(math.nextafter(0.95, 0.0)) == "warn"
    assert k.evaluate(-1.0) == "warn"


def test_evaluate_between() -> None:
    k = Criterion("k", "all", {}, "level_change_pct", -2.0, 2.0, "block")
    assert [k.evaluate(v) for v in (-2.0, 0.0, 2.0)] == ["pass"] * 3
    assert [k.evaluate(v) for v in (-2.01, 2.01)] == ["fail"] * 2


def test_evaluate_missing_value_is_no_data() -> None:
    k = Criterion("k", "all", {}, "daily_corr", 0.9, None, "block")
    assert k.evaluate(None) == "no_data"
    assert k.evaluate(float("nan")) == "no_data"
    assert k.evaluate(math.nan) == "no_data"


def test_evaluate_accepts_numpy_values() -> None:
    np = pytest.importorskip("numpy")
    k = Criterion("k", "all", {}, "daily_corr", 0.9, None, "block")
    assert k.evaluate(np.float32("nan")) == "no_data"
    assert k.evaluate(np.float64(0.95)) == "pass"
    assert k.evaluate(np.int64(0)) == "fail"


class _NAish:
    """Stands in for pandas.NA (float() refuses it) without importing pandas, to keep the tests fast."""

    def __float__(self) -> float:
        raise TypeError("float() argument must be a string or a real number, not 'NAType'")


def test_evaluate_missing_marker_that_refuses_float_is_no_data() -> None:
    k = Criterion("k", "all", {}, "daily_corr", 0.9, None, "block")
    assert k.evaluate(_NAish()) == "no_data"  # type: ignore[arg-type]


def test_op_and_threshold() -> None:
    assert c().op == "min" and c().threshold == 0.9
    mx = Criterion("m", "all", {}, "delta", None, 10.0, "warn")
    assert (mx.op, mx.threshold) == ("max", 10.0)
    between = Criterion("b", "all", {}, "delta", -1.0, 1.0, "warn")
    assert (between.op, between.threshold) == ("between", [-1.0, 1.0])


# --- snippets --------------------------------------------------------------------------------------------

TRICKY = [
    'He said "hi"',
    "C:\\path\\to\\shop",
    'back\\slash"quote',
    "Café Crème — 東京 🏃",
    "tab\there\nnew line\r\x00\x1f\x7f",
    "'single' and '''triple'''",
    '"""',
    "#not a comment",
    "trailing backslash\\",
]


@pytest.mark.parametrize("name", TRICKY)
def test_customer_snippet_round_trips(name: str) -> None:
    snippet = stakeholder_snippet(
        "customer", id="shop-1", name=name, tier="key", brands=[name, "B"], competitors=("X",), place_ids=[]
    )
    assert snippet.startswith("[[customers]]\n")
    s = parse_stakeholders(snippet, SRC)
    assert s.customers == (
        Customer(id="shop-1", name=name, tier="key", brands=(name, "B"), competitors=("X",), place_ids=()),
    )


@pytest.mark.parametrize("prospect", TRICKY)
def test_deal_snippet_round_trips(prospect: str) -> None:
    fields = {
        "id": "deal.1",
        "prospect": prospect,
        "stage": "negotiation",
        "owner": prospect,
        "categories": ["Gyms & Spas", prospect],
        "regions": ["W"],
        "brands": None,  # None fields are left out
        "place_ids": ["p-1"],
    }
    snippet = stakeholder_snippet("deal", **fields)
    assert "brands" not in snippet
    (d,) = parse_stakeholders(snippet).deals
    assert as_dict(d) == {
        **{k: list(v) if isinstance(v, list) else v for k, v in fields.items()},
        "brands": [],
    }


def test_snippet_can_be_appended_to_a_file() -> None:
    snippet = stakeholder_snippet("customer", id="new", name="New Co", competitors=["FreshCo"])
    s = parse_stakeholders(VALID + "\n" + snippet, SRC)
    assert s.customer("new").competitors == ("FreshCo",)


def test_snippet_keys_in_documented_order_and_aligned() -> None:
    snippet = stakeholder_snippet("customer", brands=["B"], name="N", id="i")
    assert snippet == '[[customers]]\nid     = "i"\nname   = "N"\nbrands = ["B"]\n'


def test_snippet_refuses_invalid_entries() -> None:
    with pytest.raises(
        ContractError, match=r"<snippet>, field 'customers\[0\] \(id=\"x\"\)\.brands': empty scope"
    ):
        stakeholder_snippet("customer", id="x", name="X")
    with pytest.raises(ContractError, match=r"unknown key 'brand' \(did you mean 'brands'\?\)"):
        stakeholder_snippet("customer", id="x", name="X", brand=["B"])
    with pytest.raises(ContractError, match=r"invalid id"):
        stakeholder_snippet("deal", id="has space", prospect="P", stage="trial", regions=["W"])
    with pytest.raises(ContractError, match=r"cannot write a int"):
        stakeholder_snippet("customer", id="x", name="X", brands=[1])
    with pytest.raises(ValueError, match="kind"):
        stakeholder_snippet("criterion", name="x")  # type: ignore[arg-type]


def test_toml_string_escapes() -> None:
    assert toml_string('a"b\\c') == '"a\\"b\\\\c"'
    assert toml_string("\x01\x7f\n") == '"\\u0001\\u007F\\n"'
    assert toml_string("é🏃") == '"é🏃"'
    with pytest.raises(ValueError, match="surrogate"):
        toml_string("\ud800")
