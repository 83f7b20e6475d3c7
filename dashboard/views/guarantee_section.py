"""Guarantees in the dashboard: "Design a guarantee" on Explore, usual movement on scope pages, and the
Review scorecard's marker for scopes beyond their usual movement.

Drawing only: the backtest, noise floors and usual movement come from :mod:`dashboard.guarantees`, the
thresholds' arithmetic from :mod:`dashboard.guarantees.suggest`, the chart from
:mod:`dashboard.guarantee_charts`. Other pages call in with one line each.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard.acceptance.results import GateResult
from dashboard.engine.scopes import ScopeDef
from dashboard.errors import RelcheckError
from dashboard.guarantee_charts import guarantee_history_chart
from dashboard.guarantees import suggest
from dashboard.guarantees.backtest import Backtest, backtest, default_criterion
from dashboard.guarantees.usual import MARKED, Usual, beyond_usual, usual_movement
from dashboard.metric_catalog import label as metric_label
from dashboard.paths import default_scenarios
from dashboard.stakeholders import criterion_snippet, parse_stakeholders
from dashboard.stakeholders.model import NOISE_BOUNDS
from dashboard.store.catalog import Store
from dashboard.views import data, ui

#: The metrics shown with their usual movement on scope pages.
USUAL_SHOWN: tuple[str, ...] = ("level_change_pct", "weekly_growth_mae_pp", "daily_corr", "max_share_shift_pp",
                                "rank_corr", "growth_sign_agreement")


def _scope_def(key: data.Key, scope: str | data.Adhoc | ScopeDef) -> ScopeDef:
    if isinstance(scope, ScopeDef):
        return scope
    if isinstance(scope, data.Adhoc):
        return scope.scope()
    needs = scope.startswith(("customer:", "deal:"))
    return data.scope_def(scope, data.stakeholders(key.stakeholders, key.stakeholders_stamp) if needs else None)


# ------------------------------------------------------------------------------------------- cached core
@st.cache_data(show_spinner="Backtesting over the release history…", max_entries=32)
def backtest_of(_store: Store, key: data.Key, scope: str | data.Adhoc, metric: str,
                scenarios_path: str | None = None, scenarios_stamp: int = 0) -> Backtest:
    """The metric judged within 3x its noise floor on every past release pair (dashboard.guarantees.backtest),
    and on the chaos scenarios of ``scenarios_path`` when given."""
    chosen = data.scenarios(scenarios_path, scenarios_stamp) if scenarios_path else None
    return backtest(_store, _scope_def(key, scope), default_criterion(metric), scenarios=chosen)


@st.cache_data(show_spinner="Measuring the usual movement…", max_entries=32)
def usual_of(_store: Store, key: data.Key, scope: str | data.Adhoc) -> dict[str, Usual]:
    """One scope's usual movement per metric, for a review of ``key.current`` (dashboard.guarantees.usual)."""
    d = _scope_def(key, scope)
    return usual_movement(_store, key.current, [d], USUAL_SHOWN)[d.scope_id]


@st.cache_data(show_spinner="Comparing every scope with its usual movement…", max_entries=8)
def unusual_of(_store: Store, key: data.Key, _gate: GateResult) -> dict[str, list[str]]:
    """Scope id → the metrics beyond their usual movement, for the scopes the gate judged."""
    usual = usual_movement(_store, key.current, list(_gate.scopes), MARKED)
    return beyond_usual(usual, _gate.scope_metrics, MARKED)


# ------------------------------------------------------------------------------------ review scorecard
def mark_unusual(c: ui.Ctx, gate: GateResult, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The scorecard's rows with a "usual movement" column: the metrics beyond it, or empty."""
    hits, _ = ui.try_call(unusual_of, c.store, c.key, gate)
    if hits is None:
        return rows
    return [{**r, "usual movement": ("⚠ beyond: " + ", ".join(hits[r["scope"]])) if r.get("scope") in hits
             else ""} for r in rows]


# ----------------------------------------------------------------------------------------- scope pages
def _num(value: Any) -> str:
    return "—" if value is None else f"{value:.4g}"


def usual_movement_table(c: ui.Ctx, scope: str | data.Adhoc, values: dict[str, Any], prefix: str) -> None:
    """Each metric's value beside its usual movement: noise floor and range over past release pairs."""
    usual, msg = ui.try_call(usual_of, c.store, c.key, scope)
    if usual is None:
        st.caption(f"Usual movement: {ui.md(msg)}")
        return
    rows = []
    for m in USUAL_SHOWN:
        u = usual[m]
        f = u.noise_floor
        rows.append({
            "metric": metric_label(m),
            "value": values.get(m),
            "noise floor": f.value,
            "noise method": f.method,
            "historical low": u.low,
            "historical high": u.high,
            "beyond usual": "⚠ yes" if u.beyond(values.get(m)) else "",
        })
    beyond = sum(bool(r["beyond usual"]) for r in rows)
    pairs = usual[USUAL_SHOWN[0]].pairs
    title = (f"Usual movement: {beyond} metric(s) beyond it" if beyond else "Usual movement: every metric within it")
    with st.expander(title, expanded=bool(beyond)):
        st.caption(f"Noise floor from replicate runs of {ui.md(c.current)} (or the level's Poisson interval); "
                   f"historical range over {pairs} past release pair(s) up to {ui.md(c.current)}. Beyond = "
                   "outside both.")
        ui.table(pd.DataFrame(rows), f"{prefix}_usual_movement")


# --------------------------------------------------------------------------------- Design a guarantee
def _slider_range(bt: Backtest) -> tuple[float, float, float]:
    """(low, high, default) of the threshold slider, in the form the criterion reads."""
    vals = [p.value for p in bt.pairs if p.value is not None]
    sugg = [s for s in (bt.by_noise, bt.by_history) if s is not None]
    n = bt.neutral
    if bt.op == "between":
        top = max([abs(v - n) for v in vals] + sugg + [1e-6]) * 1.5
        lo, hi = 0.0, top
    elif bt.op == "max":
        lo, hi = min([n, *vals]), max([*vals, *sugg, n + 1e-6]) * 1.5
    else:
        span = max([n - v for v in vals] + [n - s for s in sugg] + [1e-6]) * 1.5
        lo, hi = n - span, n
    default = sugg[0] if sugg else (lo + hi) / 2
    return float(lo), float(hi), float(min(max(default, lo), hi))


def render(c: ui.Ctx, scope: str | data.Adhoc, prefix: str, snippet: str | None = None) -> None:
    """The "Design a guarantee" section: a metric over the history, its noise band, a threshold to try."""
    st.subheader("Design a guarantee")
    st.caption("How would a bound on this scope have fared on every past release? The shaded band is the "
               "scope's noise floor (replicate runs); points break the threshold in red.")
    options = ["level_change_pct", *(m for m in NOISE_BOUNDS if m != "level_change_pct")]
    metric = st.selectbox("Metric", options, format_func=metric_label, key=f"{prefix}_g_metric")
    chaos = st.checkbox("Also replay the chaos scenarios on the current release", value=False,
                        key=f"{prefix}_g_chaos", help=f"Scenarios of {default_scenarios()}")
    path = default_scenarios()
    bt, msg = ui.try_call(backtest_of, c.store, c.key, scope, metric, str(path) if chaos else None,
                          data.stamp(path) if chaos else 0)
    if bt is None:
        st.info(f"No backtest: {ui.md(msg)}")
        return
    lo, hi, default = _slider_range(bt)
    reads = {"between": "half-width around no change", "max": "largest value allowed",
             "min": "smallest value allowed"}[bt.op]
    threshold = st.slider(f"Threshold ({reads})", min_value=lo, max_value=hi, value=default,
                          step=max((hi - lo) / 200, 1e-6), format="%.4g", key=f"{prefix}_g_threshold_{metric}")
    floor = bt.noise_floor
    st.caption(f"Noise floor {ui.md(_num(floor.value))} ({ui.md(floor.method)}"
               + (f", {floor.replicates} replicates" if floor.replicates else "") + ") · suggested: by history "
               f"{ui.md(_num(bt.by_history))} (held on ≥ {100 * bt.share:g}% of past pairs), by noise "
               f"{ui.md(_num(bt.by_noise))} (3× the floor)")
    rows = [{"label": f"{p.current} → {p.candidate}", "current": p.current, "candidate": p.candidate,
             "value": p.value, "held": suggest.holds(p.value, threshold, bt.op, bt.neutral)} for p in bt.pairs]
    band = None if floor.value is None else (bt.neutral - floor.value, bt.neutral + floor.value)
    bounds = suggest.bounds(threshold, bt.op, bt.neutral)
    chaos_rows = [{"label": p.candidate.split(" + chaos: ", 1)[-1], "value": p.value,
                   "held": suggest.holds(p.value, threshold, bt.op, bt.neutral)} for p in bt.chaos or ()]
    ui.plot(guarantee_history_chart(rows, band, bounds, f"{metric_label(metric)} over the release history",
                                    metric_label(metric), chaos=chaos_rows), f"{prefix}_guarantee_chart")
    caught = [r["label"] for r in chaos_rows if r["value"] is not None and not r["held"]]
    if chaos_rows:
        st.caption(f"Chaos scenarios this bound would catch: {ui.md(', '.join(caught) or 'none')}")
    broken = [r for r in rows if r["value"] is not None and not r["held"]]
    missing = [r["label"] for r in rows if r["value"] is None]
    if broken:
        st.warning(f"Would have broken on {len(broken)} of {len(rows)} past release pair(s): "
                   + ui.md(", ".join(r["label"] for r in broken)))
    elif len(missing) < len(rows):
        st.success(f"Would have held on every past release pair with a value ({len(rows) - len(missing)}).")
    if missing:
        st.caption(f"No value (no common dates or no places) on: {ui.md(', '.join(missing))}")
    ui.table(pd.DataFrame([{k: r[k] for k in ("current", "candidate", "value", "held")} for r in rows]),
             f"{prefix}_guarantee_backtest")
    if snippet:
        _criterion_snippet(snippet, metric, threshold, bt, prefix)


def _criterion_snippet(snippet: str, metric: str, threshold: float, bt: Backtest, prefix: str) -> None:
    """The stakeholder's snippet with this guarantee as a criterion, fixed or relative to the noise floor."""
    try:
        entry = parse_stakeholders(snippet, "<snippet>")
    except RelcheckError as exc:
        st.caption(f"No criterion snippet: {ui.md(exc)}")
        return
    kind, sid = ("customers", entry.customers[0].id) if entry.customers else ("deals", entry.deals[0].id)
    floor = bt.noise_floor.value
    width = abs(threshold - bt.neutral) if bt.op != "between" else threshold
    relative = st.checkbox("Write the bound relative to the noise floor (threshold_noise)",
                           value=False, key=f"{prefix}_g_relative", disabled=not floor or width <= 0)
    lo, hi = suggest.bounds(threshold, bt.op, bt.neutral)
    try:
        if relative and floor and width > 0:
            block = criterion_snippet(f"{sid}: {metric} guarantee", kind, metric, where_id=sid,
                                      threshold_noise=round(width / floor, 2), context=snippet)
        else:
            block = criterion_snippet(f"{sid}: {metric} guarantee", kind, metric, where_id=sid, min=lo, max=hi,
                                      context=snippet)
    except RelcheckError as exc:
        st.caption(f"No criterion snippet: {ui.md(exc)}")
        return
    text = snippet.rstrip("\n") + "\n\n" + block
    st.caption("The stakeholders-file snippet with this guarantee:")
    st.code(text, language="toml")
    st.download_button("Download snippet with the guarantee", data=text.encode("utf-8"),
                       file_name=f"{sid}-guarantee.toml", mime="application/toml", key=f"dl_{prefix}_guarantee",
                       on_click="ignore", icon=":material/download:")
