"""Chart builders for guarantees, pure: a metric over the release history with its noise band and threshold.

Kept beside :mod:`dashboard.charts` (same layer, same colours and text rules) so that module does not grow.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

from dashboard.charts import STATUS_COLORS, _empty, _layout, plain
from dashboard.metric_catalog import finite_number

NOISE_FILL = "rgba(31, 111, 209, 0.15)"
THRESHOLD_COLOR = "#c53030"
CHAOS_COLOR = "#6b46c1"


def guarantee_history_chart(
    pairs: Sequence[Mapping[str, Any]],
    band: tuple[float, float] | None,
    bounds: tuple[float | None, float | None],
    title: str,
    y_title: str,
    chaos: Sequence[Mapping[str, Any]] = (),
) -> go.Figure:
    """Each past release pair's value (``pairs``: label, value, held), the noise band shaded, the bounds dashed.

    ``held`` colours a point pass (green) or fail (red); ``band`` is (low, high) of neutral ± noise floor or
    None when unknown; ``bounds`` (min, max) of the threshold, None for an open side; ``chaos``: scenario
    points (label, value) drawn apart so they are not read as history.
    """
    fig = go.Figure()
    shown = [p for p in pairs if finite_number(p.get("value")) is not None]
    fig.add_trace(go.Scatter(
        x=[plain(str(p["label"])) for p in shown], y=[finite_number(p["value"]) for p in shown],
        mode="lines+markers", name="past release pairs", line={"color": "#8c8c8c", "width": 1},
        marker={"size": 11, "color": [STATUS_COLORS["pass"] if p.get("held") else STATUS_COLORS["fail"]
                                      for p in shown]},
    ))
    chaos_shown = [p for p in chaos if finite_number(p.get("value")) is not None]
    if chaos_shown:
        fig.add_trace(go.Scatter(
            x=[plain(str(p["label"])) for p in chaos_shown], y=[finite_number(p["value"]) for p in chaos_shown],
            mode="markers", name="chaos scenarios", marker={"size": 10, "symbol": "diamond", "color": CHAOS_COLOR},
        ))
    if band is not None:
        fig.add_hrect(y0=band[0], y1=band[1], fillcolor=NOISE_FILL, line_width=0, layer="below",
                      annotation_text="noise floor", annotation_position="top left")
    for b in bounds:
        if b is not None and finite_number(b) is not None:
            fig.add_hline(y=b, line_dash="dash", line_color=THRESHOLD_COLOR,
                          annotation_text=f"threshold {b:.4g}", annotation_position="bottom right")
    if not shown and not chaos_shown:
        _empty(fig, "no past release pair has a value")
    return _layout(fig, title, "release pair (current → candidate)", y_title, hovermode="closest")
