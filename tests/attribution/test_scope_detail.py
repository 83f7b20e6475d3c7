"""One scope in depth (dashboard.attribution.scope_detail) on the tiny world of gate_world.py."""

from __future__ import annotations

import pytest
from gate_world import S, W, stakeholders

from dashboard.attribution.scope_detail import daily_series_many, scope_detail
from dashboard.attribution.totals import source_deltas
from dashboard.engine.scopes import resolve_scope, simple_scope
from dashboard.engine.session import PairSession
from dashboard.errors import RelcheckError
from dashboard.store.catalog import Store


@pytest.fixture
def store(gate_store: Store) -> Store:
    return gate_store


def test_freshco_in_depth(store: Store) -> None:
    scope = resolve_scope("customer:freshco", stakeholders())
    d = scope_detail(store, "r1", "r2", scope)
    assert d.scope == scope and d.window == {"start": "2026-01-05", "end": "2026-01-25"}
    assert d.values["visits_current"] == pytest.approx(3 * S)  # p1 w + p2 2w
    assert d.values["visits_candidate"] == pytest.approx(3.5 * S)
    assert len(d.daily) == 21 and list(d.daily["current"])[:2] == pytest.approx([3 * W[0], 3 * W[1]])
    assert len(d.weekly) == 3
    assert set(d.shares.columns) >= {"brand"} and set(d.shares["brand"]) == {"FreshCo", "ValueMart"}
    assert sum(s["delta"] for s in d.sources) == pytest.approx(0.5 * S)  # the sources' deltas sum to the scope's
    assert list(d.places["place_id"])[0] == "p1"  # the biggest |delta| first
    # the joint explanation of the scope: all of FreshCo's move is on p1, one segment holds it
    assert d.joint.total_delta == pytest.approx(0.5 * S) and d.joint.segments
    assert d.joint.segments[0].delta == pytest.approx(0.5 * S) and d.joint.unexplained == pytest.approx(0.0)


def test_source_deltas_largest_first_and_summing_to_the_delta(store: Store) -> None:
    with PairSession(store, "r1", "r2") as session:
        session.prepare([simple_scope("all")])
        (items,) = source_deltas(session, [simple_scope("all")]).values()
    deltas = [abs(x["delta"]) for x in items]
    assert deltas == sorted(deltas, reverse=True)
    assert sum(x["delta"] for x in items) == pytest.approx(0.5 * S)  # 7w → 7.5w


def test_daily_series_of_several_scopes_named(store: Store) -> None:
    frame = daily_series_many(store, "r1", "r2", [simple_scope("all"), simple_scope("region", "W")])
    assert set(frame["scope"]) == {"All places", "W"}
    assert len(frame) == 42
    assert daily_series_many(store, "r1", "r2", []).empty


def test_an_unknown_release_is_refused(store: Store) -> None:
    with pytest.raises(RelcheckError):
        scope_detail(store, "r1", "nope", simple_scope("all"))
