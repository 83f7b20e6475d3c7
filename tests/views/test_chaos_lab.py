"""Chaos lab under AppTest: the matrix in fragility order with plain metric names, and the fault-size sweep."""

from __future__ import annotations

import json

import pytest
from app_support import open_page, texts, vega_charts


def test_matrix_rows_run_from_the_most_fragile_and_cells_name_the_measure(app_env):
    at = open_page("chaos")
    at.button(key="chaos_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    spec, rows = vega_charts(at)[0]
    order = spec["layer"][0]["encoding"]["y"]["sort"]
    broken = [r["stakeholder"] for r in rows if r["status"] in ("fail", "warn")]
    assert broken and set(order[: len(set(broken))]) == set(broken)  # broken stakeholders on top
    metrics = {r["metric"] for r in rows if r["metric"]}
    assert metrics and all("_" not in m for m in metrics)  # "Level change", not level_change_pct
    table = next(df.value for df in at.dataframe if "stakeholder" in df.value.columns)
    assert list(dict.fromkeys(table["stakeholder"])) == order


@pytest.fixture(scope="module")
def swept(app_files):
    """The sweep on the tiny store, run once for the tests below (it judges a dozen virtual candidates)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RELCHECK_HOME", str(app_files["home"]))
        mp.setenv("RELCHECK_STAKEHOLDERS", str(app_files["stakeholders"]))
        mp.setenv("RELCHECK_SCENARIOS", str(app_files["scenarios"]))
        at = open_page("chaos", chaos_view="Fault size sweep", chaos_tol="±5 points")
        assert at.selectbox(key="chaos_source").value == "sdk_a"  # the largest feed (60 % of visits)
        assert at.select_slider(key="chaos_tol").value == 5.0
        at.button(key="chaos_sweep").click().run()
        assert not at.exception, [e.value for e in at.exception]
        return at


def test_sweep_lists_stakeholders_by_the_loss_that_breaks_them(swept):
    table = next(df.value for df in swept.dataframe if "breaks at (share lost)" in df.value.columns)
    # Scaling sdk_a (60 % of every scope) moves each level by 0.6 x the loss: the trial deal (±5 %) breaks
    # near 8 %, the categories (±10 %) near 17 %, and FreshCo's weekly trend never notices.
    assert table["stakeholder"].iloc[0] == "deal:gym-trial"
    assert table["breaks at (share lost)"].iloc[0] == pytest.approx(5 / 60, abs=0.05)
    assert table["stakeholder"].iloc[-1] == "customer:freshco"
    assert table["reading"].iloc[-1].startswith("holds over the whole range")
    assert table["metric"].iloc[0] == "Level change"
    assert "deal:gym-trial** breaks first" in texts(swept.markdown).replace("\\", "")


def test_sweep_chart_draws_the_same_order(swept):
    spec = json.loads(next(c.proto.spec for c in swept.get("plotly_chart")))
    bar = spec["data"][0]
    assert bar["y"][0] == "deal:gym-trial" and bar["y"][-1] == "customer:freshco"
    assert bar["x"][-1] == 100.0 and bar["x"][0] < bar["x"][1]
