"""Guarantees in the dashboard (AppTest): Design a guarantee on Explore, usual movement, the scorecard marker."""

from __future__ import annotations

from app_support import open_page, plotly_specs, texts

from dashboard.stakeholders import parse_stakeholders


def test_explore_designs_a_guarantee_with_history_chart_slider_and_snippet(app_env):
    at = open_page("explore", x_brands="PacificFit", x_name="gyms-west")
    assert not at.exception, [e.value for e in at.exception]
    assert "Design a guarantee" in texts(at.subheader)
    chart = plotly_specs(at)["Level change (%) over the release history"]
    points = chart["data"][0]
    assert points["x"] == ["r1 → r2"]  # old → r1 shares no date: no value
    slider = at.slider(key="explore_g_threshold_level_change_pct")
    # Tighten the bound below the one past change: the page says which pair breaks it.
    at = slider.set_value(slider.min).run()
    assert "Would have broken on 1 of 2" in texts(at.warning) and "r1 → r2" in texts(at.warning)
    snippet = [c.value for c in at.code if "[[criteria]]" in c.value]
    assert snippet, "the snippet with the guarantee is shown"
    parsed = parse_stakeholders(snippet[0])
    crit = parsed.criteria[0]
    assert parsed.deals[0].id == "gyms-west" and crit.where == {"id": "gyms-west"}
    assert crit.metric == "level_change_pct" and crit.max == -crit.min
    # The chaos scenarios show beside the history, and the page says which ones the bound would catch.
    at = at.checkbox(key="explore_g_chaos").check().run()
    assert not at.exception, [e.value for e in at.exception]
    chart = plotly_specs(at)["Level change (%) over the release history"]
    assert chart["data"][1]["x"] == ["sdk_b outage"] and chart["data"][1]["y"][0] < 0
    assert "Chaos scenarios this bound would catch: sdk_b outage" in texts(at.caption)


def test_scope_pages_show_usual_movement_and_review_marks_the_scorecard(app_env):
    at = open_page("customers")
    usual = [df.value for df in at.dataframe if "noise floor" in df.value.columns]
    assert usual and "historical low" in usual[0].columns and "Level change (%)" in set(usual[0]["metric"])
    review = open_page("review")
    scorecard = next(df.value for df in review.dataframe if "scope" in df.value.columns
                     and "fail" in df.value.columns)
    assert "usual movement" in scorecard.columns
