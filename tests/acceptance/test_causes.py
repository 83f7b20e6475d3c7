"""Causes of failing results: the top source once per failing scope, the top component from ablation runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from attribution.attribution_support import fault_world, ingest
from gate_world import (
    EXPECTED,
    FRESHCO_LEVEL,
    KEY_LEVEL,
    STAKEHOLDERS_TOML,
    S,
    stakeholders,
    statuses,
)

from dashboard.acceptance import causes as causes_module
from dashboard.acceptance.causes import top_segment
from dashboard.acceptance.service import run_gate
from dashboard.attribution import totals
from dashboard.attribution.core import joint_of, root_causes_of
from dashboard.attribution.plain import segment_words
from dashboard.attribution.results import RootCauses
from dashboard.attribution.totals import dimension_cube
from dashboard.engine.scopes import simple_scope
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


# ------------------------------------------------------------------------ the joint explanation's segment


def test_a_cause_with_an_adtributor_set_carries_no_segment_and_its_json_is_unchanged(store: Store) -> None:
    g = run_gate(store, "r1", "r2", stakeholders(), record=False)
    causes = [r.cause for r in g.results if r.cause is not None]
    assert causes and all(c.segment is None for c in causes)
    assert all("segment" not in c.to_json() for c in causes)


def test_the_top_segment_fills_in_only_where_adtributor_has_no_set(tmp_path: Path) -> None:
    """A uniform +10 % leaves Adtributor without a set (nothing localises it); the cause then names the joint
    explanation's first segment. The fault world (sdk_b halved in W) has a set: no segment."""

    st = Store(tmp_path / "store")
    places, cur, cand = fault_world()
    ingest(st, tmp_path, "r1", cur, places)
    ingest(st, tmp_path, "r2", [{**r, "visits": r["visits"] * 1.1} for r in cur], places)
    ingest(st, tmp_path, "r3", cand, places)
    scope = simple_scope("all")
    with PairSession(st, "r1", "r2") as s:
        assert root_causes_of(dimension_cube(s, scope)).sets == []
        seg = top_segment(s, scope)
        assert seg is not None and seg == joint_of(s, scope).segments[0]
    with PairSession(st, "r1", "r3") as s:
        assert root_causes_of(dimension_cube(s, scope)).sets and top_segment(s, scope) is None


def test_the_gate_cause_shows_the_segment_when_adtributor_has_no_set(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(causes_module, "root_causes_of",
                        lambda cube: RootCauses([], True, False, cube.visits_current, cube.visits_candidate))
    g = run_gate(store, "r1", "r2", stakeholders(), record=False)
    cause = g.result(KEY_LEVEL, "customer:freshco").cause  # type: ignore[union-attr]
    assert cause is not None and cause.segment is not None
    # FreshCo's move is all sdk_a on p1: the segment names it, and its delta is the scope's
    assert cause.segment.delta == pytest.approx(0.5 * S)
    doc = cause.to_json()
    assert doc["segment"] == cause.segment.to_json()
    # the summary names the joint explanation's segments in words ("explained by region NE (...)")
    assert "explained by " + segment_words(cause.segment.dimensions, cause.segment.values) in doc["summary"]
