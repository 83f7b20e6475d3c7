"""The stakeholders model: lookups, plain dicts, which stakeholders a criterion selects, how it judges."""

from __future__ import annotations

import math
from typing import Any

import pytest
from stakeholders_toml import SRC, VALID

from dashboard.errors import NotFoundError
from dashboard.stakeholders import (
    Criterion,
    Customer,
    Deal,
    Stakeholders,
    as_dict,
    parse_stakeholders,
)


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
