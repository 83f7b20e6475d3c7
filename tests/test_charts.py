"""Chart builders are pure: small frames in, figures holding exactly that data out."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from dashboard import charts
from dashboard.attribution.joint import joint_explanation


def _fig_json(fig) -> dict:
    # What a browser (and Streamlit) receives: plain JSON, no numpy blobs.
    return json.loads(fig.to_json())


def _traces(fig) -> list[dict]:
    return _fig_json(fig)["data"]


@pytest.fixture
def daily() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": pd.date_range("2026-06-01", periods=3),
            "current": [10.0, 20.0, 30.0],
            "candidate": [11.0, 19.0, None],
        }
    )


def test_daily_series_names_both_releases_and_keeps_values(daily):
    fig = charts.daily_series_chart(daily, "Daily visits — FreshCo", "2026.10.0", "2026.11.0")
    cur, cand = _traces(fig)
    assert cur["name"] == "current (2026.10.0)" and cand["name"] == "candidate (2026.11.0)"
    assert cur["x"] == ["2026-06-01", "2026-06-02", "2026-06-03"]
    assert cur["y"] == [10.0, 20.0, 30.0]
    assert cand["y"] == [11.0, 19.0, None]  # a missing value stays missing, never 0
    assert cur["line"]["color"] == charts.CURRENT_COLOR and cand["line"]["color"] == charts.CANDIDATE_COLOR
    layout = _fig_json(fig)["layout"]
    assert layout["title"]["text"] == "Daily visits — FreshCo"
    assert layout["yaxis"]["title"]["text"] == "visits per day"


def test_daily_series_without_ids_says_the_role(daily):
    cur, cand = _traces(charts.daily_series_chart(daily, "t"))
    assert (cur["name"], cand["name"]) == ("current", "candidate")


def test_onset_marker_is_a_dashed_line_at_the_date_on_a_copy(daily):
    fig = charts.daily_series_chart(daily, "t", "a", "b")
    marked = charts.with_onset_marker(fig, dt.date(2026, 6, 2), "diverges from 2026-06-02, sdk_beta in W")
    layout = _fig_json(marked)["layout"]
    (line,) = layout["shapes"]
    assert (line["x0"], line["x1"], line["yref"], line["line"]["dash"]) == ("2026-06-02", "2026-06-02", "paper", "dash")
    assert line["line"]["color"] == charts.ONSET_COLOR not in (charts.CURRENT_COLOR, charts.CANDIDATE_COLOR)
    assert layout["annotations"][0]["text"] == "diverges from 2026-06-02, sdk_beta in W"
    assert "shapes" not in _fig_json(fig)["layout"]  # the figure it was given is unchanged
    assert _traces(marked) == _traces(fig)
    assert "shapes" not in _fig_json(charts.with_onset_marker(fig, None))["layout"]  # no onset, no marker
    weekly = charts.with_onset_marker(fig, "2026-06-03")
    assert _fig_json(weekly)["layout"]["annotations"][0]["text"] == "diverges from 2026-06-03"


def test_empty_series_says_so():
    empty = pd.DataFrame({"date": [], "current": [], "candidate": []})
    fig = charts.daily_series_chart(empty, "t", "a", "b")
    assert "no days" in _fig_json(fig)["layout"]["annotations"][0]["text"]


def test_weekly_series_and_growth_side_by_side():
    weekly = pd.DataFrame(
        {
            "week": [dt.date(2026, 6, 1), dt.date(2026, 6, 8), dt.date(2026, 6, 15)],
            "current": [100.0, 110.0, 99.0],
            "candidate": [100.0, 120.0, 90.0],
            "growth_current": [None, 10.0, -10.0],
            "growth_candidate": [None, 20.0, -25.0],
        }
    )
    totals = _traces(charts.weekly_series_chart(weekly, "w", "A", "B"))
    assert [t["y"] for t in totals] == [[100.0, 110.0, 99.0], [100.0, 120.0, 90.0]]
    fig = charts.weekly_growth_chart(weekly, "growth", "A", "B")
    cur, cand = _traces(fig)
    assert cur["type"] == cand["type"] == "bar"
    assert cur["x"] == ["2026-06-08", "2026-06-15"]  # the first week has no growth
    assert cur["y"] == [10.0, -10.0] and cand["y"] == [20.0, -25.0]
    assert cur["name"] == "current (A)" and cand["name"] == "candidate (B)"
    assert _fig_json(fig)["layout"]["barmode"] == "group"


def test_source_waterfall_ends_in_the_total_and_sorts_by_size():
    rows = [
        {"source": "sdk_a", "delta": 5.0},
        {"source": "sdk_b", "delta": -20.0},
        {"source": "telco", "delta": 1.0},
    ]
    (trace,) = _traces(charts.source_waterfall_chart(rows, -14.0, "by source"))
    assert trace["type"] == "waterfall"
    assert trace["x"] == ["sdk_b", "sdk_a", "telco", "total delta"]
    assert trace["y"] == [-20.0, 5.0, 1.0, -14.0]
    assert trace["measure"] == ["relative", "relative", "relative", "total"]
    assert trace["decreasing"]["marker"]["color"] == charts.DECREASE_COLOR


def test_source_waterfall_takes_a_frame():
    df = pd.DataFrame({"source": ["x"], "delta": [3.0]})
    (trace,) = _traces(charts.source_waterfall_chart(df, 3.0, "t"))
    assert trace["y"] == [3.0, 3.0]


def test_joint_waterfall_keeps_the_segments_order_then_unexplained_then_the_total():
    cells = [
        {"source": s, "region": r, "visits_current": 100.0,
         "visits_candidate": 100.0 * (0.5 if (s, r) == ("b", "W") else 1.2 if r == "E" else 1.0)}
        for s in ("a", "b", "c") for r in ("W", "E", "N")
    ]
    joint = joint_explanation(cells, dimensions=("source", "region"))
    (trace,) = _traces(charts.joint_waterfall_chart(joint, joint.total_delta, "joint"))
    labels = [s.label for s in joint.segments]
    assert labels[:2] == ["region=E", "source=b ∧ region=W"]  # the order chosen, not sorted by size
    assert trace["x"] == [*labels, "unexplained", "total delta"]
    assert trace["y"][:-1] == pytest.approx([*(s.delta for s in joint.segments), joint.unexplained])
    assert trace["measure"] == ["relative"] * (len(labels) + 1) + ["total"]
    assert sum(trace["y"][:-1]) == pytest.approx(trace["y"][-1]) and trace["y"][-1] == pytest.approx(10.0)


def test_joint_waterfall_from_the_json_shape_and_with_nothing_explained():
    doc = {"method": "m", "segments": [{"dimensions": ["brand"], "values": ["X"], "delta": -3.0,
                                       "share_of_movement": 0.6}], "unexplained": 1.0}
    (trace,) = _traces(charts.joint_waterfall_chart(doc, -2.0, "t"))
    assert trace["x"] == ["brand=X", "unexplained", "total delta"] and trace["y"] == [-3.0, 1.0, -2.0]
    fig = _fig_json(charts.joint_waterfall_chart({"segments": [], "unexplained": 4.0}, 4.0, "t"))
    assert fig["data"][0]["x"] == ["unexplained", "total delta"]
    assert "no segment" in fig["layout"]["annotations"][0]["text"]


def test_effect_split_from_the_core_shape_counts_dropped_against_the_delta():
    effect = {"added_places_delta": 30.0, "dropped_places_delta": -10.0, "common_places_delta": -5.0}
    (trace,) = _traces(charts.effect_split_chart(effect, "effects"))
    assert trace["x"] == [
        "places only in candidate",
        "places only in current",
        "change on common places",
        "total delta",
    ]
    assert trace["y"] == [30.0, -10.0, -5.0, 15.0]


def test_effect_split_from_signed_rows_with_total():
    rows = [
        {"effect": "added", "delta": 2.0},
        {"effect": "common", "delta": 1.0},
        {"effect": "total", "delta": 3.0},
    ]
    (trace,) = _traces(charts.effect_split_chart(rows, "t"))
    assert trace["y"] == [2.0, 1.0, 3.0]


def test_component_shapley_bars_and_interaction():
    fig = charts.component_shapley_chart({"poi_db": 4.0, "attribution": -2.5}, 0.5, "Shapley", method="exact")
    (trace,) = _traces(fig)
    assert trace["y"] == ["poi_db", "attribution", "interaction"]
    assert trace["x"] == [4.0, -2.5, 0.5]
    assert trace["marker"]["color"] == [
        charts.INCREASE_COLOR,
        charts.DECREASE_COLOR,
        charts.INTERACTION_COLOR,
    ]
    assert _fig_json(fig)["layout"]["title"]["text"] == "Shapley — exact"


def test_component_shapley_accepts_core_rows():
    rows = [{"component": "a", "value": 1.0}]
    (trace,) = _traces(charts.component_shapley_chart(rows, None, "t"))
    assert trace["y"] == ["a"] and trace["x"] == [1.0]


def test_brand_shares_mark_own_brands():
    df = pd.DataFrame(
        {
            "brand": ["FreshCo", "ValueMart"],
            "share_current_pct": [60.0, 40.0],
            "share_candidate_pct": [55.0, 45.0],
        }
    )
    cur, cand = _traces(charts.brand_share_chart(df, "shares", "A", "B", own_brands=["FreshCo"]))
    assert cur["y"] == ["★ FreshCo", "ValueMart"]
    assert cur["x"] == [60.0, 40.0] and cand["x"] == [55.0, 45.0]
    assert cur["orientation"] == "h" and cand["name"] == "candidate (B)"


def test_delta_bars_colour_by_sign():
    df = pd.DataFrame({"label": ["up", "down"], "v": [2.0, -3.0]})
    (trace,) = _traces(charts.delta_bar_chart(df, "label", "v", "movers", "level change (%)"))
    assert trace["marker"]["color"] == [charts.INCREASE_COLOR, charts.DECREASE_COLOR]


def _vl(chart) -> dict:
    return chart.to_dict()


def _values(spec: dict) -> list[dict]:
    return [row for rows in spec.get("datasets", {}).values() for row in rows]


def test_region_source_heatmap_is_diverging_and_centred():
    df = pd.DataFrame({"region": ["NE", "W"], "source": ["sdk_b", "sdk_b"], "delta": [50.0, -200.0]})
    spec = _vl(charts.region_source_heatmap(df, "region x source"))
    color = spec["layer"][0]["encoding"]["color"]
    assert color["scale"]["scheme"] == charts.DIVERGING_SCHEME
    assert color["scale"]["domainMid"] == 0 and color["scale"]["domain"] == [-200.0, 200.0]
    assert {(r["region"], r["delta"]) for r in _values(spec)} == {("NE", 50.0), ("W", -200.0)}
    assert spec["title"] == "region x source"


def test_status_heatmap_uses_the_fixed_status_colours():
    df = pd.DataFrame(
        {
            "scenario": ["outage", "outage"],
            "stakeholder": ["customer:a", "deal:b"],
            "status": ["fail", "pass"],
            "metric": ["level_change_pct", None],
        }
    )
    spec = _vl(charts.status_heatmap(df))
    scale = spec["layer"][0]["encoding"]["color"]["scale"]
    assert scale["domain"] == list(charts.STATUS_ORDER)
    assert scale["range"] == [charts.STATUS_COLORS[s] for s in charts.STATUS_ORDER]
    assert len(spec["layer"]) == 2  # cells + the metric that breaks first
    assert {r["status"] for r in _values(spec)} == {"fail", "pass"}
    assert len(_vl(charts.status_heatmap(df, cell_text=False))["layer"]) == 1


def test_small_multiples_facet_per_scope_with_release_legend(daily):
    df = pd.concat([daily.assign(scope="A"), daily.assign(scope="B")])
    spec = _vl(charts.series_small_multiples(df, "multiples", "scope", "r1", "r2"))
    assert spec["facet"]["field"] == "scope"
    color = spec["spec"]["encoding"]["color"]["scale"]
    assert color["domain"] == ["current (r1)", "candidate (r2)"]
    assert color["range"] == [charts.CURRENT_COLOR, charts.CANDIDATE_COLOR]
    rows = _values(spec)
    assert len(rows) == 12 and {r["release"] for r in rows} == {"current (r1)", "candidate (r2)"}


def test_verdict_history_and_metric_multiples():
    hist = pd.DataFrame(
        {"at": ["2026-11-01T10:00:00Z"], "candidate": ["r2"], "verdict": ["fail"], "current": ["r1"]}
    )
    spec = _vl(charts.verdict_history_chart(hist))
    assert spec["encoding"]["color"]["field"] == "verdict"
    multi = pd.DataFrame(
        {"scope": ["a", "b"], "metric": ["m", "m"], "value": [1.0, 2.0], "status": ["pass", "warn"]}
    )
    spec = _vl(charts.metric_small_multiples(multi, "metrics"))
    assert spec["facet"]["field"] == "metric" and len(_values(spec)) == 2
