"""Causes of failing results: the source that moved a scope most, and the pipeline component behind a metric.

Kept apart from the pure gate so the gate only judges; the work itself is attribution's (the split by source
and Shapley over ablation runs), asked for the failing scopes only.
"""

from __future__ import annotations

from typing import Any

from dashboard.acceptance.results import Cause
from dashboard.attribution.components import component_causes
from dashboard.attribution.totals import source_causes
from dashboard.engine.scopes import ScopeDef
from dashboard.engine.session import PairSession
from dashboard.store.catalog import Store

__all__ = ["causes"]


def causes(
    session: PairSession,
    store: Store,
    broken: dict[str, set[str]],
    defs: dict[str, ScopeDef],
    full: dict[str, dict[str, Any]],
) -> dict[tuple[str, str], Cause]:
    """Causes for the failing scopes only: the top source once per scope (one query for all of them), the
    top component per (scope, metric) when ablation runs exist between the two stored releases."""
    sources = source_causes(session, [defs[sid] for sid in sorted(broken)])
    components: dict[tuple[str, str], dict[str, Any]] = {}
    if session.a.release is not None and session.b.release is not None:
        components = component_causes(
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
