"""Causes of failing results: the source that moved a scope most, and the pipeline component behind a metric.

Moved here verbatim from the gate so the gate only judges. This re-does part of attribution's work
(``attribution.source_split``, ``attribution.by_component``); it is kept apart so it can be swapped for
attribution's public functions in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dashboard.acceptance.results import Cause
from dashboard.attribution import core as attribution
from dashboard.engine import metrics
from dashboard.engine.scope_detail import source_deltas
from dashboard.engine.scopes import ScopeDef
from dashboard.engine.session import PairSession, Window
from dashboard.metric_catalog import finite_number
from dashboard.store.catalog import Release, Store

__all__ = ["causes", "source_deltas"]


def _source_causes(session: PairSession, scope_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per scope, the source with the largest |delta| (ties: the first by name) and its share of Σ|delta|."""
    out: dict[str, dict[str, Any]] = {}
    for sid, items in source_deltas(session, scope_ids).items():
        if not items:
            continue
        total = sum(abs(x["delta"]) for x in items)
        out[sid] = {**items[0], "abs_share": abs(items[0]["delta"]) / total if total > 0 else None}
    return out


def _covers(rel: Release, window: Window) -> bool:
    return (rel.first_date is not None and rel.last_date is not None
            and rel.first_date <= window.start.isoformat() and rel.last_date >= window.end.isoformat())


def _metric_values(
    store: Store, current: str, other: str, defs: Sequence[ScopeDef], window: Window
) -> dict[str, dict[str, Any]]:
    """Every metric of the given scopes between the current release and another, over the pair's window."""
    with PairSession(store, current, other) as s:
        s.window = window
        s.prepare(list(defs))
        return {m.scope.scope_id: dict(m.values) for m in metrics.compute(s)}


def _component_causes(
    store: Store,
    current: str,
    candidate: str,
    window: Window,
    broken: dict[str, set[str]],
    defs: dict[str, ScopeDef],
    full: dict[str, dict[str, Any]],
) -> dict[tuple[str, str], dict[str, Any]]:
    """Per failing (scope, metric), the component with the largest |Shapley contribution|.

    The runs are found and combined by :mod:`dashboard.attribution` (``component_runs``,
    ``shapley_from_runs``: exact, paired or first-order, as the runs allow), the same way as
    ``attribution.by_component``; but each run is compared with the current release once for all the
    failing scopes (one session per run), not once per scope and metric.
    """
    players, runs = attribution.component_runs(store, current, candidate)
    runs = {k: rel for k, rel in runs.items() if _covers(rel, window)}
    if not players or not runs:
        return {}
    scope_defs = [defs[sid] for sid in sorted(broken)]
    values_by_set = {frozenset(): _metric_values(store, current, current, scope_defs, window)}
    for swapped, rel in runs.items():
        values_by_set[swapped] = _metric_values(store, current, rel.release_id, scope_defs, window)
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for sid, metric_names in broken.items():
        for metric in metric_names:
            v_full = finite_number(full.get(sid, {}).get(metric))
            v_empty = finite_number(values_by_set[frozenset()][sid].get(metric))
            if v_full is None or v_empty is None:
                continue
            v: dict[frozenset[str], float] = {frozenset(): v_empty, frozenset(players): v_full}
            for swapped in runs:
                value = finite_number(values_by_set[swapped][sid].get(metric))
                if value is not None:
                    v[swapped] = value
            method, phi, interaction = attribution.shapley_from_runs(players, v)
            if method == "none" or not phi:
                continue
            top = max(sorted(phi), key=lambda k: abs(phi[k]))
            out[(sid, metric)] = {"component": top, "contribution": phi[top], "method": method,
                                  "interaction": interaction}
    return out


def causes(
    session: PairSession,
    store: Store,
    broken: dict[str, set[str]],
    defs: dict[str, ScopeDef],
    full: dict[str, dict[str, Any]],
) -> dict[tuple[str, str], Cause]:
    """Causes for the failing scopes only: the top source once per scope (one query for all of them), the
    top component per (scope, metric) when ablation runs exist between the two stored releases."""
    sources = _source_causes(session, sorted(broken))
    components: dict[tuple[str, str], dict[str, Any]] = {}
    if session.a.release is not None and session.b.release is not None:
        components = _component_causes(
            store, session.a.label, session.b.label, session.window, broken, defs, full
        )
    out: dict[tuple[str, str], Cause] = {}
    for sid, metric_names in broken.items():
        src = sources.get(sid)
        for metric in sorted(metric_names):
            comp = components.get((sid, metric))
            out[(sid, metric)] = Cause(
                scope_delta=float(full.get(sid, {}).get("delta") or 0.0),
                source=src["source"] if src else None,
                source_current=src["current"] if src else None,
                source_candidate=src["candidate"] if src else None,
                source_delta=src["delta"] if src else None,
                source_abs_share=src["abs_share"] if src else None,
                component=comp["component"] if comp else None,
                component_metric=metric if comp else None,
                component_contribution=comp["contribution"] if comp else None,
                component_method=comp["method"] if comp else None,
            )
    return out
