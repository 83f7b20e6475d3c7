"""The chaos lab's figures (chaos_charts.py): pure, in the order given, plain names in the cells."""

from __future__ import annotations

import json

import pandas as pd

from dashboard.chaos_charts import HOLDS_COLOR, break_size_chart, fragility_matrix
from dashboard.charts import STATUS_COLORS

BREAKS = pd.DataFrame([
    {"stakeholder": "deal:trial <W>", "outcome": "breaks", "fault": 0.062, "status": "fail", "metric": "Level change"},
    {"stakeholder": "customer:fc", "outcome": "breaks", "fault": 0.105, "status": "warn", "metric": "Level change"},
    {"stakeholder": "customer:bco", "outcome": "never_breaks", "fault": None, "status": None, "metric": None},
    {"stakeholder": "deal:x", "outcome": "no_data", "fault": None, "status": None, "metric": None},
])


def test_break_bars_keep_the_order_sizes_and_status_colours():
    (bar,) = json.loads(break_size_chart(BREAKS, "t", "share lost", range_end=1.0).to_json())["data"]
    assert bar["y"] == ["deal:trial &lt;W&gt;", "customer:fc", "customer:bco", "deal:x"]
    assert bar["x"] == [6.2, 10.5, 100.0, 0.0]
    assert bar["marker"]["color"] == [STATUS_COLORS["fail"], STATUS_COLORS["warn"], HOLDS_COLOR, HOLDS_COLOR]
    assert bar["text"][0] == "6.2 % · Level change" and bar["text"][2] == "holds up to 100 %"
    assert "no data" in bar["text"][3]


def test_break_bars_for_a_noise_cv_are_not_percentages():
    df = BREAKS.head(1).assign(fault=0.3)
    (bar,) = json.loads(break_size_chart(df, "t", "noise cv", range_end=0.5, percent=False).to_json())["data"]
    assert bar["x"] == [0.3] and bar["text"] == ["0.3 · Level change"]


def test_matrix_axes_follow_the_given_order_and_cells_show_metric_names():
    df = pd.DataFrame([
        {"scenario": "s1", "stakeholder": "a", "status": "pass", "metric": None},
        {"scenario": "s1", "stakeholder": "b", "status": "fail", "metric": "Level change"},
    ])
    spec = fragility_matrix(df, ["b", "a"], ["s1"]).to_dict()
    rect, text = spec["layer"]
    assert rect["encoding"]["y"]["sort"] == ["b", "a"] and rect["encoding"]["x"]["sort"] == ["s1"]
    assert text["encoding"]["text"]["field"] == "cell" and text["mark"]["lineBreak"] == "\n"
    cells = {r["metric"]: r["cell"] for r in next(iter(spec["datasets"].values()))}
    assert cells["Level change"] == "Level change"  # short names stay on one line


def test_long_cell_names_break_into_two_lines_and_columns_share_the_width():
    df = pd.DataFrame([{"scenario": f"s{i}", "stakeholder": "a", "status": "fail",
                        "metric": "Weekly growth error (MAE)"} for i in range(8)])
    spec = fragility_matrix(df, ["a"], [f"s{i}" for i in range(8)], width=600).to_dict()
    assert spec["width"] == {"step": 75}
    assert next(iter(spec["datasets"].values()))[0]["cell"] == "Weekly growth\nerror (MAE)"
