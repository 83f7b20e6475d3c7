"""Data chaos lab (DESIGN section 9): scenario files, virtual candidates, chaos runs, sensitivity, CLI."""

from __future__ import annotations

import datetime as dt
import json
import math
import statistics
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner, Result
from snapshots import write_snapshot

from dashboard.acceptance.gate import CriterionResult
from dashboard.chaos import core as chaos
from dashboard.chaos.core import (
    Perturbation,
    Scenario,
    first_break,
    load_scenarios,
    parse_scenarios,
    register_scenario,
    run_chaos,
    scenario_side,
    sensitivity,
    violation,
)
from dashboard.cli import main
from dashboard.engine.session import PairSession
from dashboard.errors import ContractError, RelcheckError
from dashboard.paths import sample_data_dir
from dashboard.stakeholders import parse_stakeholders
from dashboard.store.catalog import Store
from dashboard.store.ingest import ingest_release

D0 = dt.date(2026, 6, 1)  # a Monday: 28 days are four whole ISO weeks
DAYS = 28
RID = "r1"

# p1 (W, Grocery, brand A) is fed by sources x and y, p2 (NE, Grocery, B) by x only, p3 (NE, Gym, C) by y
# only, p4 (NE, Gym, C) by y only; source y also reports user segments on p1.
PLACES = [
    {"place_id": "p1", "brand": "A", "category": "Grocery", "region": "W"},
    {"place_id": "p2", "brand": "B", "category": "Grocery", "region": "NE"},
    {"place_id": "p3", "brand": "C", "category": "Gym", "region": "NE"},
    {"place_id": "p4", "brand": "C", "category": "Gym", "region": "NE"},
]


def _series(base: float, k: int) -> list[float]:
    return [base + (i * k % 7) * 1.5 + 0.25 * i for i in range(DAYS)]


def _rows(place: str, source: str, values: list[float], segment: str = "all") -> list[dict[str, Any]]:
    return [
        {"place_id": place, "date": D0 + dt.timedelta(days=i), "source": source, "visits": float(v),
         "raw_visits": int(round(v / 2)), "segment": segment}
        for i, v in enumerate(values)
    ]


VISITS = pd.DataFrame(
    _rows("p1", "x", _series(40, 3))
    + _rows("p1", "y", _series(10, 2), segment="commuters")
    + _rows("p1", "y", _series(12, 5), segment="residents")
    + _rows("p2", "x", _series(30, 4))
    + _rows("p3", "y", _series(25, 1))
    + _rows("p4", "y", _series(15, 6))
)

STAKEHOLDERS = """
[[customers]]
id = "gymco"
name = "Gym Co"
tier = "key"
brands = ["C"]

[[customers]]
id = "bco"
name = "B Co"
brands = ["B"]

[[customers]]
id = "grocer"
name = "Grocer"
tier = "key"
brands = ["A", "B"]

[[deals]]
id = "ne-deal"
prospect = "North East Prospect"
stage = "trial"
regions = ["NE"]

[[criteria]]
name = "level holds"
applies_to = "customers"
metric = "level_change_pct"
min = -20.0
severity = "block"

[[criteria]]
name = "daily series aligned"
applies_to = "customers"
metric = "daily_corr"
min = 0.9
severity = "block"

[[criteria]]
name = "weekly trend"
applies_to = "customers"
metric = "weekly_growth_mae_pp"
max = 5.0
severity = "warn"

[[criteria]]
name = "deal level"
applies_to = "deals"
metric = "level_change_pct"
min = -10.0
max = 10.0
severity = "block"

[[criteria]]
name = "category level"
applies_to = "categories"
metric = "level_change_pct"
min = -20.0
max = 20.0
severity = "warn"

[[criteria]]
name = "total level"
applies_to = "all"
metric = "level_change_pct"
min = -20.0
max = 20.0
severity = "block"
"""

VOLUME_CRITERIA = {"level holds", "deal level", "category level", "total level"}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, Any]:
    tmp = tmp_path_factory.mktemp("chaos")
    folder = write_snapshot(tmp / "snap", RID, VISITS, PLACES)
    store = Store(tmp / "store")
    ingest_release(store, folder)
    return store, parse_stakeholders(STAKEHOLDERS, source="test-stakeholders.toml")


def scenario(*perts: Perturbation, name: str = "s") -> Scenario:
    return Scenario(name=name, perturbations=tuple(perts))


def virtual(store: Store, *perts: Perturbation) -> dict[str, pd.DataFrame]:
    """The registered visits_b / places_b / daily_b of a scenario, as frames sorted for comparison."""
    cur = store.cursor()
    try:
        register_scenario(cur, store.release(RID), perts, "b")
        out = {}
        for name in ("visits", "places", "daily"):
            df = cur.sql(f"SELECT * FROM {name}_b").df()
            keys = [c for c in ("place_id", "date", "source", "segment") if c in df.columns]
            out[name] = df.sort_values(keys).reset_index(drop=True)
        return out
    finally:
        cur.close()


def by_date(df: pd.DataFrame) -> dict[dt.date, float]:
    dates = pd.to_datetime(df["date"]).dt.date
    return {d: round(float(v), 9) for d, v in df.groupby(dates)["visits"].sum().items()}


def results(store: Store, people: Any, *perts: Perturbation) -> dict[tuple[str, str], CriterionResult]:
    res = run_chaos(store, RID, [scenario(*perts)], people).scenarios[0]
    return {(r.scope, r.criterion): r for r in res.results}


# --------------------------------------------------------------------------------------- criteria, end to end


def test_no_perturbation_passes_everything(world: tuple[Store, Any]) -> None:
    store, people = world
    res = results(store, people)
    assert res and all(r.status == "pass" for r in res.values()), {k: r.status for k, r in res.items()}
    assert abs(res[("all", "total level")].value) < 1e-9


def test_dropping_a_source_a_scope_does_not_use_leaves_it_passing(world: tuple[Store, Any]) -> None:
    store, people = world
    res = results(store, people, Perturbation("drop_source", source="x"))
    for key, r in res.items():
        if key[0] in ("customer:gymco", "category:Gym"):  # fed by source y only
            assert r.status == "pass", (key, r.value)
            if r.metric == "level_change_pct":
                assert abs(r.value) < 1e-9
    # ... while the scopes source x feeds break.
    assert res[("customer:bco", "level holds")].status == "fail"
    assert res[("customer:bco", "level holds")].value == pytest.approx(-100.0)
    assert res[("category:Grocery", "category level")].status == "warn"


def test_dropping_every_source_fails_volume_and_gives_no_data(world: tuple[Store, Any]) -> None:
    store, people = world
    res = results(store, people, Perturbation("drop_source", source="x"), Perturbation("drop_source", source="y"))
    for (scope, crit), r in res.items():
        if crit in VOLUME_CRITERIA:
            assert r.value == pytest.approx(-100.0), (scope, crit)
            assert r.status == ("warn" if crit == "category level" else "fail"), (scope, crit)
        else:
            # A constant zero series has no correlation and no growth: no_data, never a silent pass.
            assert r.value is None and r.status == "no_data", (scope, crit, r.value)


def test_virtual_candidates_write_nothing_and_record_no_gate_run(world: tuple[Store, Any]) -> None:
    store, people = world

    def tree() -> dict[str, tuple[int, int]]:
        return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(store.home.rglob("*"))}

    before = tree()
    run_chaos(store, RID, load_scenarios(sample_like(store.home.parent)), people)
    assert tree() == before
    assert not store.gate_runs_path.exists()


def sample_like(folder: Path) -> Path:
    path = folder / "fixture-chaos.toml"
    path.write_text(FIXTURE_SCENARIOS, encoding="utf-8")
    return path


FIXTURE_SCENARIOS = """
[[scenarios]]
name = "x outage"
[[scenarios.perturbations]]
kind = "drop_source"
source = "x"

[[scenarios]]
name = "y outage in NE from day 15"
description = "y goes dark in the North East"
[[scenarios.perturbations]]
kind = "drop_source"
source = "y"
regions = ["NE"]
from = 2026-06-15

[[scenarios]]
name = "noise"
[[scenarios.perturbations]]
kind = "noise"
cv = 0.02
seed = 4

[[scenarios]]
name = "control"
"""


# ------------------------------------------------------------------------------------ the perturbations, exactly


def test_lose_day_removes_that_date_only(world: tuple[Store, Any]) -> None:
    store, _ = world
    day = D0 + dt.timedelta(days=9)
    got = virtual(store, Perturbation("lose_day", date=day))
    expected = VISITS[VISITS["date"] != day]
    assert len(got["visits"]) == len(expected)
    assert by_date(got["visits"]) == by_date(expected)
    assert by_date(got["daily"]) == by_date(expected)
    assert day not in by_date(got["daily"])


def test_lose_day_of_one_source_in_one_region(world: tuple[Store, Any]) -> None:
    store, _ = world
    day = D0 + dt.timedelta(days=3)
    got = virtual(store, Perturbation("lose_day", date=day, source="y", regions=("NE",)))
    gone = (VISITS["date"] == day) & (VISITS["source"] == "y") & VISITS["place_id"].isin(["p3", "p4"])
    assert by_date(got["visits"]) == by_date(VISITS[~gone])


def test_duplicate_day_counts_that_date_twice(world: tuple[Store, Any]) -> None:
    store, _ = world
    day = D0 + dt.timedelta(days=20)
    got = virtual(store, Perturbation("duplicate_day", date=day))
    expected = pd.concat([VISITS, VISITS[VISITS["date"] == day]])
    assert len(got["visits"]) == len(expected)
    assert by_date(got["daily"]) == by_date(expected)
    assert by_date(got["daily"])[day] == pytest.approx(2 * by_date(VISITS)[day])


def test_shift_dates_moves_one_source_by_a_day(world: tuple[Store, Any]) -> None:
    store, people = world
    got = virtual(store, Perturbation("shift_dates", source="y", days=1))
    shifted = VISITS.copy()
    ys = shifted["source"] == "y"
    shifted.loc[ys, "date"] = shifted.loc[ys, "date"] + dt.timedelta(days=1)
    assert by_date(got["visits"]) == by_date(shifted)
    assert by_date(got["daily"]) == by_date(shifted)
    assert max(by_date(got["daily"])) == D0 + dt.timedelta(days=DAYS)
    back = virtual(store, Perturbation("shift_dates", source="y", days=-1))
    assert min(by_date(back["daily"])) == D0 - dt.timedelta(days=1)
    # The comparison window is the overlap: y's last day falls out of it.
    side = scenario_side(store, RID, scenario(Perturbation("shift_dates", source="y", days=1)))
    with PairSession(store, RID, side) as session:
        assert (session.window.start, session.window.end) == (D0, D0 + dt.timedelta(days=DAYS - 1))
    total = results(store, people, Perturbation("shift_dates", source="y", days=1))[("all", "total level")]
    last = D0 + dt.timedelta(days=DAYS - 1)
    lost = VISITS[(VISITS["source"] == "y") & (VISITS["date"] == last)]["visits"].sum()
    assert total.value == pytest.approx(-100.0 * lost / VISITS["visits"].sum())


def test_scale_source_in_a_region_from_a_date(world: tuple[Store, Any]) -> None:
    store, _ = world
    start = D0 + dt.timedelta(days=14)
    got = virtual(store, Perturbation("scale_source", source="y", regions=("NE",), start=start, factor=0.5))
    hit = (VISITS["source"] == "y") & VISITS["place_id"].isin(["p3", "p4"]) & (VISITS["date"] >= start)
    expected = VISITS.copy()
    expected.loc[hit, "visits"] *= 0.5
    assert by_date(got["visits"]) == by_date(expected)
    # raw visits scale too, rounded half away from zero (SQL round)
    want = [math.floor(r * 0.5 + 0.5) if h else r for r, h in zip(VISITS["raw_visits"], hit, strict=True)]
    assert got["visits"]["raw_visits"].sum() == sum(want)


def test_drop_source_until_a_date(world: tuple[Store, Any]) -> None:
    store, _ = world
    until = D0 + dt.timedelta(days=6)
    got = virtual(store, Perturbation("drop_source", source="x", until=until))
    gone = (VISITS["source"] == "x") & (VISITS["date"] <= until)
    assert by_date(got["visits"]) == by_date(VISITS[~gone])


def test_drop_places_of_a_category_or_brand(world: tuple[Store, Any]) -> None:
    store, _ = world
    got = virtual(store, Perturbation("drop_places", category="Gym"))
    assert sorted(got["places"]["place_id"]) == ["p1", "p2"]
    assert set(got["visits"]["place_id"]) == {"p1", "p2"}
    assert by_date(got["daily"]) == by_date(VISITS[VISITS["place_id"].isin(["p1", "p2"])])
    got = virtual(store, Perturbation("drop_places", brand="A", regions=("NE",)))  # A is only in W
    assert sorted(got["places"]["place_id"]) == ["p1", "p2", "p3", "p4"]
    got = virtual(store, Perturbation("drop_places", brand="C"))
    assert sorted(got["places"]["place_id"]) == ["p1", "p2"]


def test_perturbations_apply_in_order(world: tuple[Store, Any]) -> None:
    store, _ = world
    day = D0 + dt.timedelta(days=27)
    # Shift y a day later, then lose the (new) last day: y's rows of day 27 are gone, day 28 remains.
    got = virtual(store, Perturbation("shift_dates", source="y"), Perturbation("lose_day", date=day))
    totals = by_date(got["daily"])
    assert day not in totals
    assert totals[day + dt.timedelta(days=1)] == pytest.approx(
        VISITS[(VISITS["source"] == "y") & (VISITS["date"] == day)]["visits"].sum())


def test_noise_is_deterministic_by_seed(world: tuple[Store, Any]) -> None:
    store, people = world
    a = virtual(store, Perturbation("noise", cv=0.1, seed=1))["visits"]
    b = virtual(store, Perturbation("noise", cv=0.1, seed=1))["visits"]
    c = virtual(store, Perturbation("noise", cv=0.1, seed=2))["visits"]
    pd.testing.assert_frame_equal(a, b)
    assert not a["visits"].equals(c["visits"])
    assert (a["raw_visits"] == c["raw_visits"]).all()  # the observed panel is left alone
    zero = virtual(store, Perturbation("noise", cv=0.0, seed=1))["visits"]
    assert by_date(zero) == by_date(VISITS)
    # The gate's metrics agree too (to the last bits DuckDB's parallel sums leave to chance).
    r1 = results(store, people, Perturbation("noise", cv=0.1, seed=1))
    r2 = results(store, people, Perturbation("noise", cv=0.1, seed=1))
    r3 = results(store, people, Perturbation("noise", cv=0.1, seed=2))
    assert r1.keys() == r2.keys() == r3.keys()
    for k in r1:
        assert r1[k].status == r2[k].status
        assert r1[k].value == pytest.approx(r2[k].value, rel=1e-12, abs=1e-12)
    assert any(r1[k].value != pytest.approx(r3[k].value, rel=1e-6) for k in r1)


def test_noise_has_mean_one_and_the_asked_cv(world: tuple[Store, Any]) -> None:
    store, _ = world
    cv = 0.3
    ratios = []
    for seed in range(20):
        got = virtual(store, Perturbation("noise", cv=cv, seed=seed, source="x"))["visits"]
        base = VISITS.sort_values(["place_id", "date", "source", "segment"]).reset_index(drop=True)
        hit = base["source"] == "x"
        assert (got.loc[~hit, "visits"].to_numpy() == base.loc[~hit, "visits"].to_numpy()).all()
        ratios += list(got.loc[hit, "visits"].to_numpy() / base.loc[hit, "visits"].to_numpy())
    n = len(ratios)  # 20 seeds x 56 rows
    mean, sd = statistics.fmean(ratios), statistics.stdev(ratios)
    assert abs(mean - 1.0) < 4 * cv / math.sqrt(n)
    assert abs(sd / mean - cv) < 0.15 * cv
    assert min(ratios) > 0


# --------------------------------------------------------------------------------------------- chaos results


def test_chaos_json_shape_and_matrix(world: tuple[Store, Any]) -> None:
    store, people = world
    result = run_chaos(store, RID, parse_scenarios(FIXTURE_SCENARIOS, source="f.toml"), people)
    doc = result.to_json()
    assert set(doc) == {"release", "scenarios", "matrix"} and doc["release"] == RID
    assert [s["name"] for s in doc["scenarios"]] == ["x outage", "y outage in NE from day 15", "noise", "control"]
    for s in doc["scenarios"]:
        assert set(s) == {"name", "verdict", "results", "breaks"}
        assert s["verdict"] in ("pass", "fail")
        for r in s["results"]:
            assert set(r) == {"scope", "criterion", "metric", "value", "status"}
        for b in s["breaks"]:
            assert set(b) == {"scope", "criterion", "metric"}
    json.dumps(doc, allow_nan=False)
    x = result.by_name("x outage")
    assert x.verdict == "fail"
    breaks = {b["scope"]: b for b in doc["scenarios"][0]["breaks"]}
    assert "customer:gymco" not in breaks and "category:Gym" not in breaks
    assert breaks["customer:bco"]["metric"] == "level_change_pct"
    control = doc["scenarios"][3]
    assert control["verdict"] == "pass" and control["breaks"] == []
    # The matrix: every scenario x every stakeholder, the worst status and the metric that breaks first.
    cells = {(m["scenario"], m["scope"]): m for m in doc["matrix"]}
    scopes = result.stakeholders()
    assert len(doc["matrix"]) == 4 * len(scopes)
    assert {"customer:gymco", "customer:bco", "customer:grocer", "deal:ne-deal", "category:Gym", "all"} <= set(scopes)
    assert cells[("x outage", "customer:bco")]["status"] == "fail"
    assert cells[("x outage", "customer:gymco")] == {
        "scenario": "x outage", "scope": "customer:gymco", "status": "pass", "criterion": None, "metric": None}
    assert cells[("x outage", "category:Grocery")]["status"] == "warn"
    assert cells[("y outage in NE from day 15", "deal:ne-deal")]["status"] == "fail"
    assert cells[("y outage in NE from day 15", "customer:grocer")]["status"] == "pass"
    frame = result.matrix_frame()
    assert list(frame.index) == [s.name for s in result.scenarios] and list(frame.columns) == scopes
    assert frame.loc["x outage", "customer:bco"] == "fail"
    assert len(result.results_frame()) == sum(len(s["results"]) for s in doc["scenarios"])


def _result(criterion: str, status: str, value: Any, op: str, threshold: Any) -> CriterionResult:
    return CriterionResult(criterion=criterion, scope="customer:c", scope_name="C", metric="m", value=value,
                           op=op, threshold=threshold, severity="warn" if status == "warn" else "block",
                           status=status, outcome=status)


def test_first_break_is_the_worst_status_then_the_largest_normalised_violation() -> None:
    small_fail = _result("a", "fail", 0.85, "min", 0.9)  # 0.05 / 0.9 = 0.056
    big_fail = _result("b", "fail", -30.0, "between", [-5.0, 5.0])  # 25 / 5 = 5
    huge_warn = _result("c", "warn", 100.0, "max", 1.0)  # 99, but only a warn
    zero_bound = _result("d", "fail", 3.0, "max", 0.0)  # 3 / 1
    assert violation(small_fail) == pytest.approx(0.05 / 0.9)
    assert violation(big_fail) == pytest.approx(5.0)
    assert violation(zero_bound) == pytest.approx(3.0)
    assert violation(_result("e", "pass", 1.0, "min", 0.0)) is None
    assert first_break([small_fail, huge_warn, big_fail, zero_bound]) is big_fail
    assert first_break([huge_warn, small_fail]) is small_fail
    tie1, tie2 = _result("t1", "fail", 0.0, "min", 1.0), _result("t2", "fail", 0.0, "min", 1.0)
    assert first_break([tie1, tie2]) is tie1  # ties: file order
    nodata1, nodata2 = _result("n1", "no_data", None, "min", 1.0), _result("n2", "no_data", None, "min", 1.0)
    assert first_break([_result("p", "pass", 2.0, "min", 1.0), nodata1, nodata2]) is nodata1
    assert first_break([huge_warn, nodata1]) is huge_warn
    assert first_break([_result("p", "pass", 2.0, "min", 1.0)]) is None


def test_scenarios_naming_what_the_release_lacks_are_refused(world: tuple[Store, Any]) -> None:
    store, people = world
    bad = [
        (Perturbation("drop_source", source="z"), "no source \"z\""),
        (Perturbation("drop_source", source="xx"), "did you mean 'x'"),
        (Perturbation("scale_source", source="x", factor=0.5, regions=("SE",)), "no region \"SE\""),
        (Perturbation("drop_places", category="Gyms"), "did you mean 'Gym'"),
        (Perturbation("drop_places", brand="Q"), "no brand \"Q\""),
        (Perturbation("lose_day", date=dt.date(2027, 1, 1)), "outside release 'r1'"),
    ]
    for pert, msg in bad:
        with pytest.raises(ContractError, match=msg) as err:
            run_chaos(store, RID, [Scenario("oops", (pert,), origin="mine.toml")], people)
        assert "mine.toml" in str(err.value) and 'name="oops"' in str(err.value)


# ------------------------------------------------------------------------------------------------ sensitivity


def only(people: Any, *names: str) -> Any:
    return replace(people, criteria=tuple(c for c in people.criteria if c.name in names))


def test_sensitivity_finds_the_known_threshold(world: tuple[Store, Any]) -> None:
    store, people = world
    tol = 1e-3
    out = sensitivity(store, RID, only(people, "level holds", "category level"), family="scale_source",
                      source="y", tol=tol)
    by = {(r.scope, r.criterion): r for r in out}
    # customer:gymco is fed by source y only: level_change_pct = 100 (f - 1) >= -20 holds down to f = 0.8.
    r = by[("customer:gymco", "level holds")]
    assert r.outcome == "breaks" and r.parameter == "factor" and r.status == "fail"
    assert r.breaks_at < 0.8 <= r.holds_at and r.holds_at - r.breaks_at <= tol
    assert abs(r.breaks_at - 0.8) <= tol and r.fault == pytest.approx(1 - r.breaks_at)
    # Same for the Gym category (warn severity), with its own bound.
    g = by[("category:Gym", "category level")]
    assert g.outcome == "breaks" and g.status == "warn" and abs(g.breaks_at - 0.8) <= tol
    # customer:bco is fed by x only: y can vanish without it noticing.
    assert by[("customer:bco", "level holds")].outcome == "never_breaks"
    assert by[("customer:bco", "level holds")].breaks_at is None
    # A range that starts past the threshold: breaks even at the smallest fault.
    tight = sensitivity(store, RID, only(people, "level holds"), source="y", lo=0.5, hi=0.7, tol=0.01)
    t = {(r.scope, r.criterion): r for r in tight}[("customer:gymco", "level holds")]
    assert t.outcome == "breaks_at_smallest" and t.breaks_at == pytest.approx(0.7)


def test_sensitivity_shows_a_criterion_too_loose_for_an_outage(world: tuple[Store, Any]) -> None:
    store, people = world
    # Scaling a scope's only source keeps the shape of its series: the correlation criterion never notices,
    # down to 5% of the source left ...
    out = sensitivity(store, RID, only(people, "daily series aligned"), source="y", lo=0.05, tol=0.01)
    corr = {(r.scope, r.criterion): r for r in out}[("customer:gymco", "daily series aligned")]
    assert corr.outcome == "never_breaks" and corr.holds_at == 0.05 and corr.value > 0.999
    # ... and only "breaks" at a complete outage, where the series is constant zero and has no correlation
    # (no_data counts as broken).
    out = sensitivity(store, RID, only(people, "daily series aligned"), source="y", tol=0.1)
    corr = {(r.scope, r.criterion): r for r in out}[("customer:gymco", "daily series aligned")]
    assert corr.outcome == "breaks" and corr.breaks_at <= 0.1 and corr.status == "no_data"


def test_sensitivity_to_noise(world: tuple[Store, Any]) -> None:
    store, people = world
    out = sensitivity(store, RID, only(people, "daily series aligned", "level holds"), family="noise", lo=0.0,
                      hi=2.0, tol=0.05, seed=5)
    by = {(r.scope, r.criterion): r for r in out}
    r = by[("customer:gymco", "daily series aligned")]
    assert r.parameter == "cv" and r.outcome == "breaks"
    assert r.holds_at < r.breaks_at and r.breaks_at - r.holds_at <= 0.05 and r.fault == r.breaks_at
    assert {x.outcome for x in out} <= {"breaks", "never_breaks", "breaks_at_smallest", "no_data"}


def test_sensitivity_argument_errors(world: tuple[Store, Any]) -> None:
    store, people = world
    with pytest.raises(RelcheckError, match="needs a source"):
        sensitivity(store, RID, people, family="scale_source")
    with pytest.raises(RelcheckError, match="unknown family"):
        sensitivity(store, RID, people, family="scale", source="y")
    with pytest.raises(RelcheckError, match=r"\[0, 1\]"):
        sensitivity(store, RID, people, source="y", hi=1.5)
    with pytest.raises(RelcheckError, match="tol"):
        sensitivity(store, RID, people, source="y", tol=0)
    with pytest.raises(ContractError, match="no source"):
        sensitivity(store, RID, people, source="nope")


# -------------------------------------------------------------------------------------------- scenario files


def bad(text: str) -> ContractError:
    with pytest.raises(ContractError) as err:
        parse_scenarios(text, source="team/chaos.toml")
    assert str(err.value).startswith("team/chaos.toml")
    return err.value


def one(pert: str, name: str = "s1") -> str:
    return f'[[scenarios]]\nname = "{name}"\n[[scenarios.perturbations]]\n{pert}\n'


def test_parse_every_kind() -> None:
    text = "\n".join([
        one('kind = "drop_source"\nsource = "a"\nregions = ["W"]\nfrom = 2026-06-15\nuntil = "2026-06-20"', "a"),
        one('kind = "scale_source"\nsource = "a"\nfactor = 1.5', "b"),
        one('kind = "noise"\ncv = 0.05', "c"),
        one('kind = "duplicate_day"\ndate = 2026-06-02\nsource = "a"', "d"),
        one('kind = "lose_day"\ndate = 2026-06-03', "e"),
        one('kind = "shift_dates"\nsource = "a"\ndays = -1', "f"),
        one('kind = "drop_places"\nbrand = "B"\nregions = ["NE"]', "g"),
    ])
    s = parse_scenarios(text)
    assert [x.perturbations[0].kind for x in s] == list(chaos.KINDS)
    a = s[0].perturbations[0]
    assert (a.source, a.regions, a.start, a.until) == ("a", ("W",), dt.date(2026, 6, 15), dt.date(2026, 6, 20))
    assert s[1].perturbations[0].factor == 1.5
    assert (s[2].perturbations[0].cv, s[2].perturbations[0].seed, s[2].perturbations[0].source) == (0.05, 0, None)
    assert s[5].perturbations[0].days == -1
    assert s[6].perturbations[0].brand == "B"
    # to_dict round-trips through the parser.
    again = parse_scenarios("\n".join(
        one("\n".join(f"{k} = {json.dumps(v)}" for k, v in x.perturbations[0].to_dict().items()), x.name)
        for x in s))
    assert again == s
    assert all(x.describe() for x in s)


@pytest.mark.parametrize(("text", "field", "rule"), [
    (one('kind = "drop_sourc"\nsource = "a"'), 'scenarios[0] (name="s1").perturbations[0].kind',
     "unknown kind \"drop_sourc\" (did you mean 'drop_source'?)"),
    (one('kind = "drop_source"'), 'scenarios[0] (name="s1").perturbations[0].source',
     "required field 'source' is missing"),
    (one('source = "a"'), 'scenarios[0] (name="s1").perturbations[0].kind', "required field 'kind'"),
    (one('kind = "scale_source"\nsource = "a"\nfactor = 0'), ".factor", "factor must be > 0"),
    (one('kind = "scale_source"\nsource = "a"\nfactor = -0.5'), ".factor", "factor must be > 0"),
    (one('kind = "scale_source"\nsource = "a"\nfactor = nan'), ".factor", "finite"),
    (one('kind = "scale_source"\nsource = "a"\nfactor = inf'), ".factor", "finite"),
    (one('kind = "scale_source"\nsource = "a"\nfactor = "0.8"'), ".factor", "must be a number"),
    (one('kind = "scale_source"\nsource = "a"'), ".factor", "required field 'factor'"),
    (one('kind = "noise"\ncv = -0.1'), ".cv", "cv (coefficient of variation) must be >= 0"),
    (one('kind = "noise"\ncv = 0.1\nseed = 1.5'), ".seed", "must be an integer"),
    (one('kind = "lose_day"\ndate = "2026-13-01"'), ".date", "must be a date"),
    (one('kind = "lose_day"\ndate = 2026-06-01T10:00:00'), ".date", "not a date and time"),
    (one('kind = "lose_day"\ndate = 20260601'), ".date", "must be a date"),
    (one('kind = "drop_source"\nsource = "a"\nfrom = 2026-06-10\nuntil = 2026-06-01'), ".from", "is after 'until'"),
    (one('kind = "drop_source"\nsoruce = "a"'), ".soruce", "unknown key 'soruce' (did you mean 'source'?)"),
    (one('kind = "drop_source"\nsource = "a"\nfactor = 0.5'), ".factor", "does not apply to kind 'drop_source'"),
    (one('kind = "drop_source"\nsource = "a"\nregions = "W"'), ".regions", 'write regions = ["W"]'),
    (one('kind = "drop_source"\nsource = ["a"]'), ".source", 'write source = "a"'),
    (one('kind = "drop_source"\nsource = ""'), ".source", "non-empty"),
    (one('kind = "shift_dates"\ndays = 0'), ".days", "non-zero integer"),
    (one('kind = "shift_dates"\ndays = 30'), ".days", "non-zero integer"),
    (one('kind = "drop_places"'), ".category", "exactly one of 'category' or 'brand'"),
    (one('kind = "drop_places"\ncategory = "G"\nbrand = "B"'), ".category", "exactly one"),
    ('[[scenarios]]\nname = "s1"\ndescripton = "x"\n', 'scenarios[0] (name="s1").descripton',
     "did you mean 'description'?"),
    ('[[scenarios]]\ndescription = "x"\n', "scenarios[0].name", "required field 'name'"),
    ('[[scenarios]]\nname = ""\n', "scenarios[0].name", "non-empty"),
    ('[[scenarios]]\nname = "a"\n[[scenarios]]\nname = "a"\n', 'scenarios[1] (name="a").name', "duplicate name"),
    ('[[scenario]]\nname = "a"\n', "scenario", "did you mean 'scenarios'?"),
    ('[scenarios]\nname = "a"\n', "scenarios", "array of tables"),
    ("", "scenarios", "no scenarios"),
    ('[[scenarios]]\nname = "a"\nperturbations = {kind = "noise"}\n', 'scenarios[0] (name="a").perturbations',
     "array of tables"),
])
def test_validation_names_file_scenario_field_and_rule(text: str, field: str, rule: str) -> None:
    err = bad(text)
    assert err.field is not None and err.field.endswith(field), err.field
    assert rule in err.rule, err.rule


def test_malformed_toml_and_missing_file(tmp_path: Path) -> None:
    err = bad('[[scenarios]]\nname = "a\n')
    assert "malformed TOML" in err.rule
    with pytest.raises(ContractError, match="scenario file not found"):
        load_scenarios(tmp_path / "nope.toml")
    (tmp_path / "latin1.toml").write_bytes(b'[[scenarios]]\nname = "caf\xe9"\n')
    with pytest.raises(ContractError, match="UTF-8"):
        load_scenarios(tmp_path / "latin1.toml")


def test_the_sample_scenarios_fit_the_simulated_world() -> None:
    from dashboard.simulator import core as simulator

    scenarios = load_scenarios(sample_data_dir() / "chaos.toml")
    assert 6 <= len(scenarios) <= 8
    kinds = {p.kind for s in scenarios for p in s.perturbations}
    assert kinds == set(chaos.KINDS)
    settings = simulator.Settings()
    first, last = settings.start, settings.start + dt.timedelta(days=settings.days - 1)
    categories = {c.name for c in simulator.CATEGORIES}
    for s in scenarios:
        assert s.description
        for p in s.perturbations:
            assert p.source is None or p.source in simulator.SOURCES
            assert set(p.regions) <= set(simulator.REGIONS)
            assert p.category is None or p.category in categories
            for d in (p.date, p.start, p.until):
                assert d is None or first <= d <= last


# -------------------------------------------------------------------------------------------------------- CLI


def invoke(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], prog_name="relcheck")


@pytest.fixture(scope="module")
def files(world: tuple[Store, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("cli")
    (tmp / "stakeholders.toml").write_text(STAKEHOLDERS, encoding="utf-8")
    (tmp / "chaos.toml").write_text(FIXTURE_SCENARIOS, encoding="utf-8")
    # Only the level criteria, for quick sensitivity runs.
    levels = STAKEHOLDERS.split("[[criteria]]")[0] + "[[criteria]]" + STAKEHOLDERS.split("[[criteria]]")[1]
    (tmp / "levels.toml").write_text(levels, encoding="utf-8")
    return {"stakeholders": tmp / "stakeholders.toml", "scenarios": tmp / "chaos.toml", "home": world[0].home,
            "levels": tmp / "levels.toml"}


def test_cli_chaos_json_exits_0_even_when_scenarios_fail(files: dict[str, Path]) -> None:
    res = invoke("chaos", "--home", files["home"], "--scenarios", files["scenarios"],
                 "--stakeholders", files["stakeholders"], "--format", "json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert set(doc) == {"release", "scenarios", "matrix"}
    assert doc["release"] == RID  # the current release by default
    assert doc["scenarios"][0]["verdict"] == "fail"
    res = invoke("chaos", "--home", files["home"], "--release", RID, "--scenarios", files["scenarios"],
                 "--stakeholders", files["stakeholders"], "--scenario", "control", "--scenario", "x outage",
                 "--format", "json")
    assert res.exit_code == 0, res.output
    assert [s["name"] for s in json.loads(res.stdout)["scenarios"]] == ["control", "x outage"]


def test_cli_chaos_table(files: dict[str, Path]) -> None:
    res = invoke("chaos", "--home", files["home"], "--scenarios", files["scenarios"],
                 "--stakeholders", files["stakeholders"])
    assert res.exit_code == 0, res.output
    assert "[fail] x outage" in res.stdout and "robustness matrix" in res.stdout
    assert "customer:bco: fail first on level_change_pct" in res.stdout


@pytest.mark.parametrize(("args", "message"), [
    (("--scenario", "nope"), "no scenario 'nope'"),
    (("--release", "r9"), "unknown release 'r9'"),
    (("--scenarios", "/nonexistent/chaos.toml"), "scenario file not found"),
])
def test_cli_chaos_errors_exit_2(files: dict[str, Path], args: tuple[str, ...], message: str) -> None:
    base = {"--scenarios": files["scenarios"], "--stakeholders": files["stakeholders"]}
    for flag in args[::2]:
        base.pop(flag, None)
    flat = [x for kv in base.items() for x in kv]
    res = invoke("chaos", "--home", files["home"], *flat, *args)
    assert res.exit_code == 2, res.output
    assert message in res.stderr and res.stdout == ""


def test_cli_chaos_bad_scenario_file_exits_2(files: dict[str, Path], tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(one('kind = "scale_source"\nsource = "x"\nfactor = 0'), encoding="utf-8")
    res = invoke("chaos", "--home", files["home"], "--scenarios", path, "--stakeholders", files["stakeholders"])
    assert res.exit_code == 2
    assert str(path) in res.stderr and "factor must be > 0" in res.stderr


def test_cli_sensitivity(files: dict[str, Path]) -> None:
    res = invoke("chaos-sensitivity", "--home", files["home"], "--source", "y", "--regions", "NE",
                 "--stakeholders", files["levels"], "--tol", "0.01", "--format", "json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["release"] == RID and doc["family"] == "scale_source" and doc["regions"] == ["NE"]
    rows = {(r["scope"], r["criterion"]): r for r in doc["results"]}
    gym = rows[("customer:gymco", "level holds")]
    assert gym["outcome"] == "breaks" and abs(gym["breaks_at"] - 0.8) <= 0.01
    assert rows[("customer:grocer", "level holds")]["outcome"] == "never_breaks"  # p1 is in W
    res = invoke("chaos-sensitivity", "--home", files["home"], "--source", "y", "--lo", "0.5",
                 "--stakeholders", files["levels"], "--tol", "0.05")
    assert res.exit_code == 0 and "never breaks in range" in res.stdout
    res = invoke("chaos-sensitivity", "--home", files["home"], "--stakeholders", files["stakeholders"])
    assert res.exit_code == 2 and "needs a source" in res.stderr
    res = invoke("chaos-sensitivity", "--home", files["home"], "--source", "y", "--family", "bogus")
    assert res.exit_code == 2


def test_cli_help() -> None:
    for cmd in ("chaos", "chaos-sensitivity"):
        res = invoke(cmd, "--help")
        assert res.exit_code == 0 and "exits 0" in res.stdout


def test_scenario_from_a_mapping_for_the_page_editor() -> None:
    s = chaos.scenario_from_dict({"name": "mine", "perturbations": [
        {"kind": "scale_source", "source": "x", "factor": 0.5, "from": "2026-06-10"}]})
    assert s.perturbations[0] == Perturbation("scale_source", source="x", factor=0.5, start=dt.date(2026, 6, 10))
    assert s.describe() == "scale x by 0.5 from 2026-06-10"
    assert chaos.scenario_from_dict(s.to_dict()) == s
    with pytest.raises(ContractError, match="factor must be > 0") as err:
        chaos.scenario_from_dict({"name": "mine", "perturbations": [{"kind": "scale_source", "source": "x",
                                                                      "factor": -1}]})
    assert err.value.file == "<scenario>"
