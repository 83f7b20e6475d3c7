"""Judging scenarios with the gate's criteria: end to end, the JSON and the matrix, the first break."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from chaos_world import FIXTURE_SCENARIOS, RID, VOLUME_CRITERIA, results, sample_like

from dashboard.acceptance.gate import CriterionResult
from dashboard.chaos.robustness import first_break, run_chaos, violation
from dashboard.chaos.scenario import Perturbation, Scenario
from dashboard.chaos.scenario_file import load_scenarios, parse_scenarios
from dashboard.errors import ContractError
from dashboard.store.catalog import Store


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
            # A constant zero series has no correlation and no growth: no_data for a warn criterion, a fail
            # (with a note) for a block one; never a silent pass.
            want = "fail" if r.severity == "block" else "no_data"
            assert r.value is None and r.status == want and r.note, (scope, crit, r.value)


def test_virtual_candidates_write_nothing_and_record_no_gate_run(world: tuple[Store, Any]) -> None:
    store, people = world

    def tree() -> dict[str, tuple[int, int]]:
        return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(store.home.rglob("*"))}

    before = tree()
    run_chaos(store, RID, load_scenarios(sample_like(store.home.parent)), people)
    assert tree() == before
    assert not store.gate_runs_path.exists()


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


def test_one_cell_and_the_verdicts_come_from_the_result(world: tuple[Store, Any]) -> None:
    store, people = world
    result = run_chaos(store, RID, parse_scenarios(FIXTURE_SCENARIOS, source="f.toml"), people)
    assert result.cell("x outage", "customer:bco") == next(
        m for m in result.matrix() if (m["scenario"], m["scope"]) == ("x outage", "customer:bco"))
    assert result.cell("x outage", "customer:bco")["metric"] == "level_change_pct"
    assert result.cell("x outage", "customer:nobody") is None
    assert result.verdicts()[0] == {"scenario": "x outage", "verdict": "fail", "faults": "drop x"}
    assert [v["scenario"] for v in result.verdicts()] == [s.name for s in result.scenarios]
