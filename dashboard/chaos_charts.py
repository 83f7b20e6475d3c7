"""Chaos lab figures, pure: the fault size at which each stakeholder breaks, and the ordered robustness matrix.

Kept beside :mod:`dashboard.charts` (same layer, same colours) so the lab's figures grow without crowding the
shared builders. Frames come in already ordered by the core (:mod:`dashboard.chaos.fragility`); the figures
keep that order, most fragile at the top.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import altair as alt
import pandas as pd
import plotly.graph_objects as go

from dashboard.charts import STATUS_COLORS, STATUS_ORDER, plain
from dashboard.metric_catalog import finite_number

HOLDS_COLOR = "#d9d9d9"  # a stakeholder that survives the whole range: a pale bar to the range's end
ROW_HEIGHT = 26


def break_size_chart(
    df: pd.DataFrame, title: str, x_title: str, range_end: float, percent: bool = True
) -> go.Figure:
    """Horizontal bars, one per stakeholder in the order given: how big a fault it takes to break it.

    ``df``: stakeholder, outcome (breaks, breaks_at_smallest, never_breaks, no_data), fault (share of the
    source lost or noise cv; None unless it breaks), status (of the first breaking criterion), metric (its
    readable name). ``range_end``: the largest fault swept; a stakeholder that never breaks gets a pale bar to
    it, one that cannot be judged an empty row with a note. ``percent`` shows fault shares as percentages.
    """
    scale = 100.0 if percent else 1.0
    unit = " %" if percent else ""
    names, widths, colors, texts, hovers = [], [], [], [], []
    for row in df.to_dict("records"):
        name = plain(str(row["stakeholder"]))
        fault = finite_number(row.get("fault"))
        outcome = row.get("outcome")
        metric = row.get("metric") or ""
        if fault is not None:
            width = fault * scale
            status = str(row.get("status") or "fail")
            color = STATUS_COLORS.get(status, STATUS_COLORS["fail"])
            text = f"{width:.1f}{unit} · {metric}" if metric else f"{width:.1f}{unit}"
            if outcome == "breaks_at_smallest":
                text = f"breaks at once · {metric}" if metric else "breaks at once"
        elif outcome == "never_breaks":
            width, color, text = range_end * scale, HOLDS_COLOR, f"holds up to {range_end * scale:.0f}{unit}"
        else:
            width, color, text = 0.0, HOLDS_COLOR, "cannot be judged (no data)"
        names.append(name)
        widths.append(width)
        colors.append(color)
        texts.append(plain(text))
        hovers.append(plain(f"{row['stakeholder']}: {text}"))
    fig = go.Figure(go.Bar(
        x=widths, y=names, orientation="h", marker_color=colors, text=texts, textposition="auto",
        hovertext=hovers, hoverinfo="text", showlegend=False, cliponaxis=False,
    ))
    fig.update_yaxes(autorange="reversed", automargin=True)
    end = range_end * scale
    fig.update_xaxes(range=[0, end * 1.02 if end > 0 and math.isfinite(end) else 1], ticksuffix=unit.strip())
    fig.update_layout(
        title={"text": plain(title)}, template="plotly_white", hovermode="closest",
        margin={"l": 10, "r": 20, "t": 60, "b": 50}, height=max(240, 110 + ROW_HEIGHT * len(names)),
        uniformtext={"minsize": 9, "mode": "hide"},
    )
    fig.update_xaxes(title_text=plain(x_title))
    if df.empty:
        fig.add_annotation(text="no stakeholder to show", showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5)
    return fig


def _two_lines(text: object) -> object:
    """A cell label on at most two lines (split at the space nearest its middle), so narrow cells fit it."""
    if not isinstance(text, str) or len(text) <= 12 or " " not in text:
        return text
    mid = len(text) / 2
    cut = min((i for i, ch in enumerate(text) if ch == " "), key=lambda i: abs(i - mid))
    return text[:cut] + "\n" + text[cut + 1:]


def fragility_matrix(
    df: pd.DataFrame,
    stakeholders: Sequence[str],
    scenarios: Sequence[str],
    title: str | None = None,
    width: int = 600,
    y_step: int = 26,
) -> alt.Chart:
    """Worst status per stakeholder (rows, most fragile first) and scenario (columns, most harmful first).

    ``df``: scenario, stakeholder, status, metric (the readable name of the metric that breaks first, shown
    in the cell on up to two lines, and in the tooltip). ``stakeholders`` and ``scenarios`` give the order of
    the axes. ``width``: the grid's width in pixels, shared by the columns (each 56 to 130 px), so the chart
    fits a 1,280 px window beside the sidebar.
    """
    step = max(56, min(130, width // max(1, len(scenarios))))
    data = df[["scenario", "stakeholder", "status", "metric"]].copy()
    data["cell"] = [_two_lines(m) for m in data["metric"]]
    tooltip = [alt.Tooltip("stakeholder:N"), alt.Tooltip("scenario:N"), alt.Tooltip("status:N"),
               alt.Tooltip("metric:N", title="breaks first on")]
    base = alt.Chart(data)
    x = alt.X("scenario:N", title=None, sort=list(scenarios),
              axis=alt.Axis(labelLimit=150, labelAngle=-35, labelOverlap=False, orient="top"))
    y = alt.Y("stakeholder:N", title=None, sort=list(stakeholders), axis=alt.Axis(labelLimit=220, labelOverlap=False))
    rect = base.mark_rect(stroke="white").encode(
        x=x, y=y,
        color=alt.Color("status:N", title="status",
                        scale=alt.Scale(domain=list(STATUS_ORDER), range=[STATUS_COLORS[s] for s in STATUS_ORDER]),
                        legend=alt.Legend(orient="bottom")),
        tooltip=tooltip,
    )
    text = (base.mark_text(fontSize=8, lineHeight=9, baseline="middle", color="white", lineBreak="\n",
                           limit=step - 4)
            .encode(x=x, y=y, text="cell:N", tooltip=tooltip)
            .transform_filter("isValid(datum.metric)"))
    chart = alt.layer(rect, text).properties(width=alt.Step(step), height=alt.Step(y_step))
    return chart.properties(title=title) if title else chart
