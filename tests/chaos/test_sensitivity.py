"""The sensitivity search: known thresholds found, too-loose criteria shown, bad arguments refused."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from chaos_world import RID

from dashboard.chaos.sensitivity import sensitivity
from dashboard.errors import ContractError, RelcheckError
from dashboard.store.catalog import Store


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
    # (a block criterion without data fails).
    out = sensitivity(store, RID, only(people, "daily series aligned"), source="y", tol=0.1)
    corr = {(r.scope, r.criterion): r for r in out}[("customer:gymco", "daily series aligned")]
    assert corr.outcome == "breaks" and corr.breaks_at <= 0.1 and corr.status == "fail" and corr.value is None


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
