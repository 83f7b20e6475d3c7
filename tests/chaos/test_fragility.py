"""Fragility orderings (chaos/fragility.py) and the sensitivity sweep's order, most fragile first."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from chaos_world import RID

from dashboard.chaos.fragility import (
    first_breaks,
    scenarios_by_harm,
    sources_by_volume,
    stakeholders_by_fragility,
)
from dashboard.chaos.sensitivity import SensitivityResult, sensitivity
from dashboard.store.catalog import Store


def res(scope: str, criterion: str, outcome: str, breaks_at: float | None, status: str | None = "fail",
        severity: str = "block") -> SensitivityResult:
    return SensitivityResult(scope=scope, criterion=criterion, metric="level_change_pct", severity=severity,
                             family="scale_source", parameter="factor", outcome=outcome, breaks_at=breaks_at,
                             holds_at=None, status=status, value=None)


def test_each_stakeholder_breaks_at_its_smallest_fault_and_the_list_starts_with_the_most_fragile():
    out = first_breaks([
        res("customer:a", "level", "breaks", 0.6),  # breaks when 40 % of the source is lost
        res("customer:a", "trend", "breaks", 0.9, status="warn", severity="warn"),  # ... and 10 % for this one
        res("customer:b", "level", "never_breaks", None, status="pass"),
        res("customer:c", "level", "breaks_at_smallest", 1.0),
        res("deal:d", "level", "no_data", None, status="no_data"),
        res("customer:e", "level", "breaks", 0.8),
    ])
    assert [b.scope for b in out] == ["customer:c", "customer:a", "customer:e", "customer:b", "deal:d"]
    a = out[1]
    assert abs(a.fault - 0.1) < 1e-12
    assert (a.criterion, a.status, a.criteria, a.broken, a.outcome) == ("trend", "warn", 2, 2, "breaks")
    assert out[0].outcome == "breaks_at_smallest" and out[0].fault == 0.0
    assert (out[3].outcome, out[3].fault, out[3].criterion) == ("never_breaks", None, None)
    assert out[4].outcome == "no_data"


def test_matrix_orders_put_the_most_broken_first_and_keep_ties_in_order():
    m = [
        {"scenario": "s1", "scope": "customer:a", "status": "pass"},
        {"scenario": "s1", "scope": "customer:b", "status": "warn"},
        {"scenario": "s1", "scope": "all", "status": "fail"},
        {"scenario": "s2", "scope": "customer:a", "status": "pass"},
        {"scenario": "s2", "scope": "customer:b", "status": "warn"},
        {"scenario": "s2", "scope": "all", "status": None},
        {"scenario": "s3", "scope": "customer:a", "status": "fail"},
        {"scenario": "s3", "scope": "customer:b", "status": "fail"},
        {"scenario": "s3", "scope": "all", "status": "pass"},
    ]
    assert stakeholders_by_fragility(m) == ["customer:b", "customer:a", "all"]
    assert scenarios_by_harm(m) == ["s3", "s1", "s2"]


def test_the_sweep_lists_the_smallest_breaking_fault_first(world: tuple[Store, Any]) -> None:
    store, people = world
    people = replace(people, criteria=tuple(c for c in people.criteria if c.name in ("level holds", "total level")))
    out = sensitivity(store, RID, people, source="y", tol=0.01)
    faults = [r.fault for r in out if r.fault is not None]
    assert faults == sorted(faults) and faults
    assert out[-1].outcome == "never_breaks"  # customer:bco has no visits of y
    ranked = first_breaks(out)
    assert ranked[0].scope == "customer:gymco"  # fed by y only: -20 % at a fifth of y lost
    assert abs(ranked[0].fault - 0.2) <= 0.01


def test_sources_by_volume_puts_the_largest_feed_first(world: tuple[Store, Any]) -> None:
    store, _ = world
    volumes = sources_by_volume(store, RID)
    assert [s for s, _ in volumes] == sorted((s for s, _ in volumes), key=lambda s: -dict(volumes)[s])
    assert {s for s, _ in volumes} == {"x", "y"} and all(v > 0 for _, v in volumes)
