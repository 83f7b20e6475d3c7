"""Divergence onset on a scope's page (issue 18, point 3): the summary line and a marker on the series charts,
the same date the core computes for that scope."""

from __future__ import annotations

from app_support import open_page, plotly_specs, texts

from dashboard.attribution.scope_detail import scope_detail
from dashboard.engine.scopes import resolve_scope
from dashboard.stakeholders import load_stakeholders
from dashboard.store.catalog import Store


def test_the_deal_page_states_when_the_releases_part_and_marks_it(app_env):
    at = open_page("deals")
    deal = at.selectbox(key="deal").value
    core = scope_detail(Store(app_env["home"]), "r1", "r2",
                        resolve_scope(f"deal:{deal}", load_stakeholders(app_env["stakeholders"])))
    page = texts(at.markdown)
    assert f"**When:** {'; '.join(core.summary)}" in page
    daily = next(spec for title, spec in plotly_specs(at).items() if title.startswith("Daily visits"))
    shapes = [s for s in daily["layout"].get("shapes", []) if s.get("name") == "divergence onset"]
    if core.diverges_from is None:
        assert shapes == [] and "does not diverge" in page
    else:
        assert [s["x0"] for s in shapes] == [core.diverges_from]


def test_a_scope_that_diverges_gets_the_marker_at_its_onset(app_env):
    """Over every deal of the tiny world, at least one diverges (the trial's candidate drops mid-window)."""
    sh = load_stakeholders(app_env["stakeholders"])
    store = Store(app_env["home"])
    dated = [d.id for d in sh.deals
             if scope_detail(store, "r1", "r2", resolve_scope(f"deal:{d.id}", sh)).diverges_from]
    assert dated, "the tiny world should have a deal whose releases part"
    at = open_page("deals", deal=dated[0])
    daily = next(spec for title, spec in plotly_specs(at).items() if title.startswith("Daily visits"))
    assert any(s.get("name") == "divergence onset" for s in daily["layout"].get("shapes", []))
