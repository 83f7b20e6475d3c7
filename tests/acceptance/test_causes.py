"""Causes of failing results: the top source once per failing scope, the top component from ablation runs."""

from __future__ import annotations

from typing import Any

import pytest
from gate_world import (
    EXPECTED,
    FRESHCO_LEVEL,
    KEY_LEVEL,
    STAKEHOLDERS_TOML,
    S,
    stakeholders,
    statuses,
)

from dashboard.acceptance.service import run_gate
from dashboard.attribution import totals
from dashboard.engine.session import PairSession
from dashboard.store.catalog import Store


@pytest.fixture
def store(gate_store: Store) -> Store:
    return gate_store


# --------------------------------------------------------------------------------------------- causes


def test_causes_only_on_failing_scopes_once_per_scope(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []
    original = totals.source_deltas

    def spy(session: PairSession, defs: Any) -> Any:
        calls.append([d.scope_id for d in defs])
        return original(session, defs)

    monkeypatch.setattr(totals, "source_deltas", spy)
    g = run_gate(store, "r1", "r2", stakeholders(), record=False)
    broken_scopes = {r.scope for r in g.results if r.status in ("fail", "warn")}
    assert len(calls) == 1 and sorted(calls[0]) == sorted(broken_scopes)
    for r in g.results:
        assert (r.cause is not None) == (r.status in ("fail", "warn")), r
    cause = g.result(KEY_LEVEL, "customer:freshco").cause  # type: ignore[union-attr]
    # FreshCo's scope moved by 0.5·S visits, all from sdk_a (p1); sdk_b (p2's second source) did not move.
    assert cause.source == "sdk_a"
    assert cause.source_delta == pytest.approx(0.5 * S)
    assert cause.scope_delta == pytest.approx(0.5 * S)
    assert cause.source_abs_share == pytest.approx(1.0)
    coffee = g.result("categories keep their level", "category:Coffee").cause  # type: ignore[union-attr]
    assert coffee.source == "sdk_a" and coffee.source_delta == pytest.approx(-S)


def test_top_source_and_component_agree_with_the_attribution_module(store: Store) -> None:
    """The cause is the top row of attribution.by_source and the largest |φ| of attribution.by_component."""
    from dashboard.attribution import core as attribution

    sh = stakeholders()
    g = run_gate(store, "r1", "r2", sh, record=False)
    freshco = g.result(KEY_LEVEL, "customer:freshco").cause  # type: ignore[union-attr]
    # poi_db alone makes FreshCo's change; the attribution step moves nothing there (exact: both runs exist).
    assert (freshco.component, freshco.component_method) == ("poi_db", "exact_shapley")
    assert freshco.component_metric == "level_change_pct"
    assert freshco.component_contribution == pytest.approx(FRESHCO_LEVEL)
    coffee = g.result("categories keep their level", "category:Coffee").cause  # type: ignore[union-attr]
    assert (coffee.component, coffee.component_contribution) == ("attribution", pytest.approx(-100.0))
    checked = 0
    for r in g.results:
        if r.cause is None:
            continue
        sd = g.scope_def(r.scope)
        split = attribution.by_source(store, "r1", "r2", sd)
        assert r.cause.source == split.rows[0].source
        assert r.cause.source_delta == pytest.approx(split.rows[0].delta)
        comp = attribution.by_component(store, "r1", "r2", sd, metric=r.metric)
        if comp.method == "none":
            assert r.cause.component is None
        else:
            top = max(sorted(comp.contributions), key=lambda k: abs(comp.contributions[k]))
            assert r.cause.component == top and r.cause.component_method == comp.method
            assert r.cause.component_contribution == pytest.approx(comp.contributions[top])
        checked += 1
    assert checked == 6  # the 4 broken bounds and the 2 block criteria without data (regions MW, S)


def test_no_component_without_ablation_runs(store: Store) -> None:
    g = run_gate(store, "r2", "r3", stakeholders(STAKEHOLDERS_TOML.replace("max = 100.0", "max = -100.0")),
                      record=False)
    total = g.result("total level", "all")
    assert total is not None and total.status == "fail"
    assert total.cause is not None and total.cause.component is None  # no run is based on r2


def test_attribute_false_skips_causes(store: Store) -> None:
    g = run_gate(store, "r1", "r2", stakeholders(), record=False, attribute=False)
    assert all(r.cause is None for r in g.results)
    assert statuses(g) == EXPECTED
