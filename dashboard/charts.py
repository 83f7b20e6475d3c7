"""Chart builders: pure functions from small, already-computed frames to figures.

Plotly for interactive series, bars and waterfalls; Altair for heatmaps and small multiples.
Nothing here reads the store or imports Streamlit, so the dashboard and the HTML report draw the
same figures. Colours are fixed across every chart:

- current release grey, candidate release blue (``CURRENT_COLOR``, ``CANDIDATE_COLOR``);
- statuses pass / warn / fail / waived / no_data (``STATUS_COLORS``, from the one status list);
- deltas on a diverging red (down) – blue (up) palette, centred on 0.

Values are handed to Plotly as plain lists (never numpy arrays), so a figure's JSON holds readable
numbers rather than base64 blobs; dates become ISO strings.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import altair as alt
import pandas as pd
import plotly.graph_objects as go

from dashboard.acceptance.status import COLORS as STATUS_COLORS
from dashboard.acceptance.status import LEGEND_ORDER
from dashboard.formatting import compact
from dashboard.metric_catalog import finite_number

CURRENT_COLOR = "#8c8c8c"
CANDIDATE_COLOR = "#1f6fd1"
INCREASE_COLOR = "#2b6cb0"  # diverging palette, positive end (blue)
DECREASE_COLOR = "#dd6b20"  # diverging palette, negative end (orange: red means "fail", not "down")
TOTAL_COLOR = "#4a4a4a"
INTERACTION_COLOR = "#b8b8b8"
DIVERGING_SCHEME = "blueorange"  # Vega scheme, reversed where used: orange for negative, blue for positive

#: Statuses in legend order; their colours (``STATUS_COLORS``) come from :class:`dashboard.acceptance.status.Status`.
STATUS_ORDER: tuple[str, ...] = tuple(str(s) for s in LEGEND_ORDER)
STATUS_ICONS: dict[str, str] = {"pass": "✅", "warn": "⚠️", "fail": "❌", "waived": "🛡️", "no_data": "∅"}

_LAYOUT: dict[str, Any] = {
    "template": "plotly_white",
    "margin": {"l": 60, "r": 20, "t": 60, "b": 50},
    "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
    "hovermode": "x unified",
}


# --------------------------------------------------------------------------------------------- helpers
def release_label(role: str, release_id: str | None = None) -> str:
    """The legend name of one side: ``current (2026.10.2)``, or just the role without an id."""
    return f"{role} ({release_id})" if release_id else role


def status_color(status: str) -> str:
    return STATUS_COLORS.get(status, STATUS_COLORS["no_data"])


def _nums(values: Iterable[Any]) -> list[float | None]:
    return [finite_number(v) for v in values]


def _iso(value: Any) -> Any:
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _dates(values: Iterable[Any]) -> list[Any]:
    return [_iso(v) for v in values]


def _texts(values: Iterable[Any]) -> list[str]:
    return ["" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v) for v in values]


def _rows(data: Any, key_names: Sequence[str], value_names: Sequence[str]) -> list[tuple[str, float]]:
    """(label, value) pairs from a mapping, a frame or a sequence of dicts/objects/pairs."""
    if data is None:
        return []
    if isinstance(data, pd.DataFrame):
        data = data.to_dict("records")
    if isinstance(data, Mapping):
        return [(str(k), finite_number(v) or 0.0) for k, v in data.items()]
    out = []
    for item in data:
        if isinstance(item, Mapping):
            key = next((item[k] for k in key_names if k in item), None)
            val = next((item[k] for k in value_names if k in item), None)
        elif isinstance(item, tuple | list) and len(item) == 2:
            key, val = item
        else:
            key = next((getattr(item, k) for k in key_names if hasattr(item, k)), None)
            val = next((getattr(item, k) for k in value_names if hasattr(item, k)), None)
        out.append((str(key), finite_number(val) or 0.0))
    return out


def plain(text: Any) -> Any:
    """A string as literal text in Plotly, which reads a subset of HTML (links, bold, line breaks) in every
    title, legend, tick label and hover text: ``&``, ``<`` and ``>`` become entities Plotly shows as is."""
    if not isinstance(text, str):
        return text
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain_traces(fig: go.Figure) -> None:
    """Names, category labels and bar texts of every trace as literal text (they carry user names)."""
    for trace in fig.data:
        for attr in ("name", "x", "y", "text", "hovertext"):
            value = getattr(trace, attr, None)
            if isinstance(value, str):
                trace[attr] = plain(value)
            elif isinstance(value, list | tuple) and any(isinstance(v, str) for v in value):
                trace[attr] = [plain(v) for v in value]


def _layout(fig: go.Figure, title: str, x_title: str, y_title: str, **extra: Any) -> go.Figure:
    """Title, axes and the shared look; every text built from names is made literal (:func:`plain`)."""
    _plain_traces(fig)
    fig.update_layout(title={"text": plain(title)}, **{**_LAYOUT, **extra})
    fig.update_xaxes(title_text=plain(x_title))
    fig.update_yaxes(title_text=plain(y_title))
    return fig


def _empty(fig: go.Figure, message: str) -> go.Figure:
    fig.add_annotation(text=message, showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5)
    return fig


# ----------------------------------------------------------------------------------- Plotly: series
def daily_series_chart(
    df: pd.DataFrame,
    title: str,
    current_id: str | None = None,
    candidate_id: str | None = None,
    y_title: str = "visits per day",
) -> go.Figure:
    """Both releases' daily totals overlaid. ``df``: date, current, candidate."""
    fig = go.Figure()
    x = _dates(df["date"])
    fig.add_trace(
        go.Scatter(
            x=x,
            y=_nums(df["current"]),
            name=release_label("current", current_id),
            mode="lines",
            line={"color": CURRENT_COLOR, "width": 2},
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=_nums(df["candidate"]),
            name=release_label("candidate", candidate_id),
            mode="lines",
            line={"color": CANDIDATE_COLOR, "width": 2},
        )
    )
    if df.empty:
        _empty(fig, "no days in the common window")
    return _layout(fig, title, "date", y_title)


ONSET_COLOR = "#6b46c1"  # the divergence onset marker: neither a release's colour nor a status colour


def with_onset_marker(fig: go.Figure, diverges_from: str | dt.date | None, label: str | None = None) -> go.Figure:
    """A copy of a series figure with a vertical dashed line at the divergence onset and its label (default
    "diverges from DATE"); the figure itself unchanged without an onset. Works on daily and weekly series
    (any date x axis): the line sits at the date, whichever week holds it."""
    out = go.Figure(fig)
    if diverges_from is None:
        return out
    day = diverges_from.isoformat() if isinstance(diverges_from, dt.date) else str(diverges_from)[:10]
    out.add_shape(type="line", xref="x", yref="paper", x0=day, x1=day, y0=0, y1=1,
                  line={"color": ONSET_COLOR, "width": 2, "dash": "dash"}, name="divergence onset")
    out.add_annotation(x=day, xref="x", y=1, yref="paper", yanchor="bottom", showarrow=False,
                       text=plain(label or f"diverges from {day}"), font={"color": ONSET_COLOR})
    return out


def weekly_series_chart(
    df: pd.DataFrame,
    title: str,
    current_id: str | None = None,
    candidate_id: str | None = None,
    y_title: str = "visits per week",
) -> go.Figure:
    """Both releases' weekly totals overlaid (whole ISO weeks). ``df``: week, current, candidate."""
    fig = go.Figure()
    x = _dates(df["week"])
    for col, role, color in (
        ("current", "current", CURRENT_COLOR),
        ("candidate", "candidate", CANDIDATE_COLOR),
    ):
        rid = current_id if role == "current" else candidate_id
        fig.add_trace(
            go.Scatter(
                x=x,
                y=_nums(df[col]),
                name=release_label(role, rid),
                mode="lines+markers",
                line={"color": color, "width": 2},
            )
        )
    if df.empty:
        _empty(fig, "no whole ISO week in the common window")
    return _layout(fig, title, "week (Monday)", y_title)


def weekly_growth_chart(
    df: pd.DataFrame,
    title: str,
    current_id: str | None = None,
    candidate_id: str | None = None,
) -> go.Figure:
    """Week-on-week growth of both releases side by side. ``df``: week, growth_current, growth_candidate (%)."""
    d = df.dropna(subset=["growth_current", "growth_candidate"], how="all")
    x = _dates(d["week"])
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=x,
            y=_nums(d["growth_current"]),
            name=release_label("current", current_id),
            marker_color=CURRENT_COLOR,
        )
    )
    fig.add_trace(
        go.Bar(
            x=x,
            y=_nums(d["growth_candidate"]),
            name=release_label("candidate", candidate_id),
            marker_color=CANDIDATE_COLOR,
        )
    )
    if d.empty:
        _empty(fig, "fewer than two whole weeks: no growth to compare")
    return _layout(fig, title, "week (Monday)", "week-on-week growth (%)", barmode="group")


# ------------------------------------------------------------------------------ Plotly: waterfalls
def _waterfall(
    steps: list[tuple[str, float]], total: float, total_label: str, title: str, x_title: str, y_title: str
) -> go.Figure:
    fig = go.Figure(
        go.Waterfall(
            x=[k for k, _ in steps] + [total_label],
            y=[v for _, v in steps] + [finite_number(total) or 0.0],
            measure=["relative"] * len(steps) + ["total"],
            increasing={"marker": {"color": INCREASE_COLOR}},
            decreasing={"marker": {"color": DECREASE_COLOR}},
            totals={"marker": {"color": TOTAL_COLOR}},
            connector={"line": {"color": "#c0c0c0"}},
            name="delta",
            showlegend=False,
        )
    )
    return _layout(fig, title, x_title, y_title, hovermode="closest")


def source_waterfall_chart(rows: Any, total_delta: float, title: str, unit: str = "visits") -> go.Figure:
    """Delta split by upstream source (candidate − current per source), ending in the total.

    ``rows``: dicts (or a frame) with ``source`` and ``delta``; sorted by absolute delta.
    """
    steps = sorted(_rows(rows, ("source", "name"), ("delta", "value")), key=lambda r: -abs(r[1]))
    return _waterfall(steps, total_delta, "total delta", title, "upstream source", f"delta ({unit})")


def effect_split_chart(by_effect: Any, title: str, unit: str = "visits") -> go.Figure:
    """Delta split into coverage churn against level change, as a waterfall ending in the total.

    ``by_effect``: the core's effect split (an object with ``to_json()`` or its dict of signed terms that sum
    to the delta: ``added_places_delta``, ``dropped_places_delta`` (<= 0), ``common_places_delta``); or a
    mapping / rows of signed contributions (``effect``, ``delta``), a ``total`` entry being the closing bar.
    """
    if hasattr(by_effect, "to_json"):
        by_effect = by_effect.to_json()
    if isinstance(by_effect, Mapping) and {"added_places_delta", "dropped_places_delta", "common_places_delta"} <= set(
        by_effect
    ):
        steps = [
            (_EFFECT_LABELS["added"], finite_number(by_effect["added_places_delta"]) or 0.0),
            (_EFFECT_LABELS["dropped"], finite_number(by_effect["dropped_places_delta"]) or 0.0),
            (_EFFECT_LABELS["common"], finite_number(by_effect["common_places_delta"]) or 0.0),
        ]
        return _waterfall(steps, sum(v for _, v in steps), "total delta", title, "effect", f"delta ({unit})")
    steps = _rows(by_effect, ("effect", "name", "label"), ("delta", "value"))
    total = next((v for k, v in steps if k in ("total", "delta", "total_delta")), None)
    steps = [(_effect_label(k), v) for k, v in steps if k not in ("total", "delta", "total_delta")]
    if total is None:
        total = sum(v for _, v in steps)
    return _waterfall(steps, total, "total delta", title, "effect", f"delta ({unit})")


JOINT_UNEXPLAINED = "unexplained"


def joint_waterfall_chart(joint: Any, total_delta: float, title: str, unit: str = "visits") -> go.Figure:
    """The joint explanation as a waterfall: its segments in the order chosen, then the unexplained
    remainder, ending in the total delta (segments + unexplained = the delta, so the bars close on it).

    ``joint``: the core's joint explanation (an object with ``to_json()``) or its dict: ``segments`` (each
    ``dimensions``, ``values``, ``delta``) and ``unexplained``. A bar is labelled ``dim=value ∧ dim=value``.
    """
    if hasattr(joint, "to_json"):
        joint = joint.to_json()
    steps = [
        (" ∧ ".join(f"{d}={v}" for d, v in zip(seg["dimensions"], seg["values"], strict=True)),
         finite_number(seg["delta"]) or 0.0)
        for seg in joint.get("segments", [])
    ]
    steps.append((JOINT_UNEXPLAINED, finite_number(joint.get("unexplained")) or 0.0))
    fig = _waterfall(steps, total_delta, "total delta", title, "segment", f"delta ({unit})")
    if len(steps) == 1:
        _empty(fig, "no segment explains a share of the movement: all of the delta is unexplained")
    return fig


_EFFECT_LABELS = {
    "added": "places only in candidate",
    "places_added": "places only in candidate",
    "dropped": "places only in current",
    "places_dropped": "places only in current",
    "common": "change on common places",
    "level": "change on common places",
    "common_change": "change on common places",
}


def _effect_label(key: str) -> str:
    return _EFFECT_LABELS.get(key, key.replace("_", " "))


def component_shapley_chart(
    contributions: Any,
    interaction: float | None,
    title: str,
    unit: str = "",
    method: str | None = None,
) -> go.Figure:
    """Each pipeline component's share of a metric's change (Shapley), plus the interaction remainder.

    ``contributions``: mapping component → contribution, or rows with ``component`` and ``value``.
    """
    steps = _rows(contributions, ("component", "name"), ("contribution", "value", "phi", "shapley"))
    names = [k for k, _ in steps]
    values = [v for _, v in steps]
    colors = [INCREASE_COLOR if v >= 0 else DECREASE_COLOR for v in values]
    if interaction is not None and finite_number(interaction) is not None:
        names.append("interaction")
        values.append(finite_number(interaction) or 0.0)
        colors.append(INTERACTION_COLOR)
    fig = go.Figure(
        go.Bar(
            x=values,
            y=names,
            orientation="h",
            marker_color=colors,
            name="contribution",
            text=[f"{compact(v)} {unit}".strip() for v in values],
            textposition="auto",
            showlegend=False,
        )
    )
    full_title = f"{title} — {method}" if method else title
    fig.update_yaxes(autorange="reversed")
    if not names:
        _empty(fig, "no ablation runs between these releases")
    return _layout(
        fig,
        full_title,
        f"contribution{f' ({unit})' if unit else ''}",
        "pipeline component",
        hovermode="closest",
    )


# ----------------------------------------------------------------------------------- Plotly: bars
def brand_share_chart(
    df: pd.DataFrame,
    title: str,
    current_id: str | None = None,
    candidate_id: str | None = None,
    own_brands: Sequence[str] = (),
) -> go.Figure:
    """Each brand's share of the scope's visits in both releases. ``df``: brand, share_current_pct,
    share_candidate_pct. Own brands are marked with a ★ so they stand out against competitors."""
    own = set(own_brands)
    labels = [f"★ {b}" if b in own else str(b) for b in _texts(df["brand"])]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            y=labels,
            x=_nums(df["share_current_pct"]),
            orientation="h",
            name=release_label("current", current_id),
            marker_color=CURRENT_COLOR,
        )
    )
    fig.add_trace(
        go.Bar(
            y=labels,
            x=_nums(df["share_candidate_pct"]),
            orientation="h",
            name=release_label("candidate", candidate_id),
            marker_color=CANDIDATE_COLOR,
        )
    )
    fig.update_yaxes(autorange="reversed")
    if df.empty:
        _empty(fig, "no brands in this scope")
    return _layout(
        fig, title, "share of the scope's visits (%)", "brand", barmode="group", hovermode="y unified"
    )


def delta_bar_chart(df: pd.DataFrame, label_col: str, value_col: str, title: str, x_title: str) -> go.Figure:
    """Signed horizontal bars (biggest movers, place deltas) on the diverging palette."""
    values = _nums(df[value_col])
    colors = [INCREASE_COLOR if (v or 0) >= 0 else DECREASE_COLOR for v in values]
    fig = go.Figure(
        go.Bar(
            x=values,
            y=_texts(df[label_col]),
            orientation="h",
            marker_color=colors,
            name=x_title,
            showlegend=False,
        )
    )
    fig.update_yaxes(autorange="reversed")
    if df.empty:
        _empty(fig, "nothing to show")
    return _layout(fig, title, x_title, "", hovermode="closest")


def metric_history_chart(df: pd.DataFrame, title: str, y_title: str) -> go.Figure:
    """A metric for each consecutive pair of releases, coloured by the worst criterion status on it.

    ``df``: pair (label such as ``2026.09.0 → 2026.10.0``), value, status (pass/warn/fail/no_data or empty).
    """
    statuses = _texts(df["status"]) if "status" in df.columns else [""] * len(df)
    fig = go.Figure(
        go.Bar(
            x=_texts(df["pair"]),
            y=_nums(df["value"]),
            marker_color=[STATUS_COLORS.get(s, CANDIDATE_COLOR) for s in statuses],
            text=statuses,
            textposition="outside",
            name=y_title,
            showlegend=False,
        )
    )
    if df.empty:
        _empty(fig, "fewer than two releases")
    return _layout(fig, title, "release pair (current → candidate)", y_title, hovermode="closest")


# ------------------------------------------------------------------------------------------ Altair
def _records(df: pd.DataFrame) -> pd.DataFrame:
    """A copy with dates as ISO strings, so Vega-Lite specs hold readable values."""
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]) or (
            len(out) and isinstance(out[col].iloc[0], dt.date)
        ):
            out[col] = [_iso(v) for v in out[col]]
    return out


def region_source_heatmap(df: pd.DataFrame, title: str, unit: str = "visits") -> alt.Chart:
    """Delta per region and upstream source on a diverging palette centred on 0.

    ``df``: region, source, delta.
    """
    data = _records(df[["region", "source", "delta"]])
    lim = float(data["delta"].abs().max()) if len(data) else 1.0
    lim = lim if lim > 0 and math.isfinite(lim) else 1.0
    base = alt.Chart(data, title=title)
    rect = base.mark_rect().encode(
        x=alt.X("source:N", title="upstream source"),
        y=alt.Y("region:N", title="region"),
        color=alt.Color(
            "delta:Q",
            title=f"delta ({unit})",
            scale=alt.Scale(scheme=DIVERGING_SCHEME, reverse=True, domain=[-lim, lim], domainMid=0),
        ),
        tooltip=[alt.Tooltip("region:N"), alt.Tooltip("source:N"), alt.Tooltip("delta:Q", format=",.0f")],
    )
    text = base.mark_text(fontSize=10).encode(
        x="source:N", y="region:N", text=alt.Text("delta:Q", format=",.0f")
    )
    return (rect + text).properties(title=title)


def status_heatmap(
    df: pd.DataFrame,
    title: str = "Robustness matrix",
    x: str = "stakeholder",
    y: str = "scenario",
    cell_text: bool = True,
    x_step: int = 18,
    y_step: int = 20,
    select: str | None = None,
) -> alt.Chart:
    """Status per ``y`` (rows) and ``x`` (columns) in the fixed status colours (default scenario × stakeholder).

    ``df``: the two axis columns, status, and optionally ``metric`` (the metric that breaks first), shown in
    the tooltip and, with ``cell_text``, in the cell (give the columns room with ``x_step``). ``select``
    names a point selection on the cells (fields ``x`` and ``y``), so a click can open the cell's scope.
    """
    data = _records(df)
    has_metric = "metric" in data.columns
    tooltip = [alt.Tooltip(f"{y}:N"), alt.Tooltip(f"{x}:N"), alt.Tooltip("status:N")]
    if has_metric:
        tooltip.append(alt.Tooltip("metric:N", title="metric (breaks first)"))
    base = alt.Chart(data)
    rect = base.mark_rect(stroke="white").encode(
        x=alt.X(f"{x}:N", title=x, axis=alt.Axis(labelLimit=220, labelAngle=-45, labelOverlap=False)),
        y=alt.Y(f"{y}:N", title=y, axis=alt.Axis(labelLimit=320, labelOverlap=False)),
        color=alt.Color(
            "status:N",
            title="status",
            scale=alt.Scale(domain=list(STATUS_ORDER), range=[STATUS_COLORS[s] for s in STATUS_ORDER]),
        ),
        tooltip=tooltip,
    )
    if select:
        rect = rect.add_params(alt.selection_point(name=select, fields=[x, y], on="click"))
    layers: list[alt.Chart] = [rect]
    if has_metric and cell_text:
        layers.append(
            base.mark_text(fontSize=9, color="white")
            .encode(x=f"{x}:N", y=f"{y}:N", text="metric:N", tooltip=tooltip)
            .transform_filter("isValid(datum.metric)")
        )
    return alt.layer(*layers).properties(title=title, width=alt.Step(x_step), height=alt.Step(y_step))


def series_small_multiples(
    df: pd.DataFrame,
    title: str,
    facet: str = "scope",
    current_id: str | None = None,
    candidate_id: str | None = None,
    columns: int = 3,
    y_title: str = "visits per day",
) -> alt.Chart:
    """One small panel per scope with both releases' series overlaid (independent y scales).

    ``df``: <facet>, date, current, candidate.
    """
    cur, cand = release_label("current", current_id), release_label("candidate", candidate_id)
    long = _records(df[[facet, "date", "current", "candidate"]]).melt(
        id_vars=[facet, "date"], value_vars=["current", "candidate"], var_name="release", value_name="visits"
    )
    long["release"] = long["release"].map({"current": cur, "candidate": cand})
    order = [str(v) for v in dict.fromkeys(df[facet])]  # panels in the order given (e.g. riskiest first)
    chart = (
        alt.Chart(long)
        .mark_line()
        .encode(
            x=alt.X("date:T", title="date"),
            y=alt.Y("visits:Q", title=y_title),
            color=alt.Color(
                "release:N",
                title="release",
                scale=alt.Scale(domain=[cur, cand], range=[CURRENT_COLOR, CANDIDATE_COLOR]),
            ),
            tooltip=[
                alt.Tooltip(f"{facet}:N"),
                alt.Tooltip("date:T"),
                alt.Tooltip("release:N"),
                alt.Tooltip("visits:Q", format=",.0f"),
            ],
        )
        .properties(width=180, height=120)
        .facet(facet=alt.Facet(f"{facet}:N", title=None, sort=order), columns=columns)
        .resolve_scale(y="independent")
        .properties(title=title)
        # The legend below the panels: beside them it pushes three columns past a 1,280 px screen.
        .configure_legend(orient="bottom")
    )
    return chart


def metric_small_multiples(
    df: pd.DataFrame, title: str, label_col: str = "scope", columns: int = 3
) -> alt.Chart:
    """One small bar panel per metric, each scope a bar coloured by its status.

    ``df``: <label_col>, metric (readable label), value, status.
    """
    data = _records(df)
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("value:Q", title=None),
            y=alt.Y(f"{label_col}:N", title=None),
            color=alt.Color(
                "status:N",
                title="status",
                scale=alt.Scale(domain=list(STATUS_ORDER), range=[STATUS_COLORS[s] for s in STATUS_ORDER]),
            ),
            tooltip=[
                alt.Tooltip(f"{label_col}:N"),
                alt.Tooltip("metric:N"),
                alt.Tooltip("value:Q", format=",.3g"),
                alt.Tooltip("status:N"),
            ],
        )
        .properties(width=220, height=alt.Step(14))
        .facet(facet=alt.Facet("metric:N", title=None), columns=columns)
        .resolve_scale(x="independent")
        .properties(title=title)
    )


def verdict_history_chart(df: pd.DataFrame, title: str = "Gate verdicts over time") -> alt.Chart:
    """Each recorded gate run as a point: when (x), which candidate (y), coloured by verdict.

    ``df``: at (ISO time), candidate, verdict (pass/fail/warn), optional current.
    """
    data = _records(df)
    tooltip = [alt.Tooltip("at:T", title="run at"), alt.Tooltip("candidate:N"), alt.Tooltip("verdict:N")]
    if "current" in data.columns:
        tooltip.insert(1, alt.Tooltip("current:N"))
    return (
        alt.Chart(data)
        .mark_point(filled=True, size=120)
        .encode(
            # Dates, not clock ticks: a few runs close together otherwise label the axis ".900".
            x=alt.X("at:T", title="gate run at", axis=alt.Axis(format="%Y-%m-%d %H:%M", labelOverlap=True, tickCount=4)),
            y=alt.Y("candidate:N", title="candidate release"),
            color=alt.Color(
                "verdict:N",
                title="verdict",
                scale=alt.Scale(domain=list(STATUS_ORDER), range=[STATUS_COLORS[s] for s in STATUS_ORDER]),
            ),
            tooltip=tooltip,
        )
        .properties(title=title)
    )
