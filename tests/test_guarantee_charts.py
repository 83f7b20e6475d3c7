"""The guarantee chart: past pairs coloured by whether they hold, the noise band shaded, the bounds dashed."""

from __future__ import annotations

from dashboard.charts import STATUS_COLORS
from dashboard.guarantee_charts import NOISE_FILL, guarantee_history_chart


def test_band_bounds_and_point_colours() -> None:
    pairs = [{"label": "a → b", "value": 1.0, "held": True}, {"label": "b → c", "value": 7.5, "held": False},
             {"label": "c → d", "value": None, "held": False}]
    fig = guarantee_history_chart(pairs, (-2.0, 2.0), (-5.0, 5.0), "Level <b>", "level (%)",
                                  chaos=[{"label": "chaos: x", "value": -40.0}])
    spec = fig.to_plotly_json()
    points, chaos = spec["data"]
    assert list(points["x"]) == ["a → b", "b → c"] and list(points["y"]) == [1.0, 7.5]  # no value: not drawn
    assert list(points["marker"]["color"]) == [STATUS_COLORS["pass"], STATUS_COLORS["fail"]]
    assert list(chaos["y"]) == [-40.0]
    shapes = spec["layout"]["shapes"]
    band = [s for s in shapes if s.get("fillcolor") == NOISE_FILL]
    assert len(band) == 1 and (band[0]["y0"], band[0]["y1"]) == (-2.0, 2.0)
    lines = sorted(s["y0"] for s in shapes if s.get("line", {}).get("dash") == "dash")
    assert lines == [-5.0, 5.0]
    assert spec["layout"]["title"]["text"] == "Level &lt;b&gt;"


def test_unknown_floor_and_open_bound() -> None:
    fig = guarantee_history_chart([], None, (None, 3.0), "t", "y")
    spec = fig.to_plotly_json()
    assert [s["y0"] for s in spec["layout"]["shapes"]] == [3.0]
    assert any("no past release pair" in a["text"] for a in spec["layout"]["annotations"])
