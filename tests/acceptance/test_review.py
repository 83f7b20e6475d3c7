"""What the release review shows: scorecard order, status counts, risk order, trials first, movers, manifest."""

from __future__ import annotations

from pathlib import Path

from gate_world import stakeholders

from dashboard.acceptance import review
from dashboard.acceptance.results import Cause, CriterionResult, GateResult
from dashboard.acceptance.status import Status
from dashboard.engine.metrics import ScopeMetrics
from dashboard.engine.scopes import simple_scope
from dashboard.store.catalog import Release


def result(criterion: str, scope: str, status: str, outcome: str | None = None, cause: str = "") -> CriterionResult:
    return CriterionResult(
        criterion=criterion, scope=scope, scope_name=scope, metric="level_change_pct", value=1.0, op="max",
        threshold=1.0, severity="block", status=Status(status), outcome=Status(outcome or status),
        cause=Cause(scope_delta=1.0, source=cause, source_delta=1.0) if cause else None,
    )


SCOPES = (simple_scope("category", "a"), simple_scope("category", "b"), simple_scope("category", "c"))
GATE = GateResult(
    current="r1", candidate="r2", verdict="fail", counts={}, scopes=SCOPES,
    results=(
        result("level", "category:a", "pass"),
        result("level", "category:b", "warn", cause="sdk_b"),
        result("corr", "category:b", "waived", outcome="fail"),
        result("level", "category:c", "fail", cause="sdk_a"),
        result("corr", "category:c", "pass"),
    ),
)


def metrics(value: str, mae: float | None, level: float | None) -> ScopeMetrics:
    return ScopeMetrics(simple_scope("deal", value) if "-" in value else simple_scope("customer", value),
                        {"weekly_growth_mae_pp": mae, "level_change_pct": level})


def test_worst_status_per_scope():
    assert review.scope_statuses(GATE) == {"category:a": "pass", "category:b": "warn", "category:c": "fail"}


def test_status_counts_in_legend_order_with_every_status():
    counts = review.status_counts(GATE.results)
    assert list(counts) == ["pass", "warn", "fail", "waived", "no_data"]
    assert counts == {"pass": 2, "warn": 1, "fail": 1, "waived": 1, "no_data": 0}


def test_scorecard_worst_first_with_counts_and_causes():
    rows = review.scorecard(GATE)
    assert [(r.scope, r.status) for r in rows] == [
        ("category:c", "fail"), ("category:b", "warn"), ("category:a", "pass")]
    assert rows[1].counts["waived"] == 1
    assert rows[0].causes.startswith("largest source move sdk_a")  # a cause without its words: the raw figures
    assert rows[2].causes == ""


def test_results_worst_first_and_the_signable_ones():
    assert [str(r.status) for r in review.worst_first(GATE.results)] == ["fail", "warn", "waived", "pass", "pass"]
    assert [(r.criterion, r.scope) for r in review.signable(GATE)] == [
        ("level", "category:c"), ("level", "category:b"), ("corr", "category:b")]


def test_risk_order_status_then_growth_error_then_level():
    scopes = [metrics("calm", 0.1, 1.0), metrics("noisy", 3.0, 0.0), metrics("flat", None, -9.0),
              metrics("broken", 0.0, 0.0), metrics("shifted", 0.1, -4.0)]
    status = {"customer:broken": "fail", "customer:calm": "pass", "customer:noisy": "pass",
              "customer:shifted": "pass"}
    order = [m.scope.value for m in review.risk_order(scopes, status)]
    assert order == ["broken", "noisy", "shifted", "calm", "flat"]  # flat has no status: last


def test_deals_trials_first_then_risk():
    sh = stakeholders()  # gym-trial is in trial, coffee-negotiation is not
    scopes = [metrics("coffee-negotiation", 5.0, 0.0), metrics("gym-trial", 0.0, 0.0)]
    status = {"deal:coffee-negotiation": "fail", "deal:gym-trial": "pass"}
    assert [m.scope.value for m in review.deals_trials_first(scopes, status, sh)] == [
        "gym-trial", "coffee-negotiation"]
    watch = review.trials_at_risk(sh, {"deal:gym-trial": "warn"})
    assert [d.id for d in watch.trials] == [d.id for d in watch.broken] == ["gym-trial"]
    assert review.trials_at_risk(sh, status).broken == ()


def test_biggest_movers_by_absolute_level_change():
    scopes = [metrics("a", 0, 1.0), metrics("b", 0, None), metrics("c", 0, -7.0), metrics("d", 0, 3.0)]
    assert [m.scope.value for m in review.biggest_movers(scopes)] == ["c", "d", "a", "b"]
    assert [m.scope.value for m in review.biggest_movers(scopes, limit=2)] == ["c", "d"]


def release(rid: str, components: dict[str, str]) -> Release:
    return Release(rid, "release", "", "", None, components, "", 0, "", Path("."))


def test_manifest_diff_and_changed_components():
    diff = review.manifest_diff(release("r1", {"poi_db": "1", "sdk": "2"}), release("r2", {"poi_db": "2", "geo": "x"}))
    assert [(d.component, d.current, d.candidate, d.changed) for d in diff] == [
        ("geo", None, "x", True), ("poi_db", "1", "2", True), ("sdk", "2", None, True)]
    same = review.manifest_diff(release("r1", {"a": "1"}), release("r2", {"a": "1"}))
    assert review.changed_components(same) == []
    assert review.changed_components(diff) == ["geo", "poi_db", "sdk"]


def test_focus_metric_is_the_worst_results_metric():
    gate = GateResult(
        current="r1", candidate="r2", verdict="fail", counts={}, scopes=SCOPES,
        results=(
            result("level", "category:c", "pass"),
            CriterionResult(criterion="corr", scope="category:c", scope_name="c", metric="daily_corr", value=0.5,
                            op="min", threshold=0.9, severity="block", status=Status("fail"),
                            outcome=Status("fail")),
        ),
    )
    assert review.focus_metric(gate.results, "category:c") == "daily_corr"
    assert review.focus_metric(gate.results, "category:a") is None


def test_signable_in_view_puts_the_scope_in_view_first():
    assert [(r.criterion, r.scope) for r in review.signable(GATE)] == [
        ("level", "category:c"), ("level", "category:b"), ("corr", "category:b")]
    assert [(r.criterion, r.scope) for r in review.signable_in_view(GATE, "category:b")] == [
        ("level", "category:b"), ("corr", "category:b"), ("level", "category:c")]
    assert review.signable_in_view(GATE, None) == review.signable(GATE)
