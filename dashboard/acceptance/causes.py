"""Causes of failing results: the source that moved a scope most, the pipeline component behind a metric, and
the joint explanation's top segment of a scope where Adtributor finds no explanatory set.

Kept apart from the pure gate so the gate only judges; the work itself is attribution's (the split by source
and Shapley over ablation runs), asked for the failing scopes only.
"""

from __future__ import annotations

from typing import Any

from dashboard.acceptance.results import Cause
from dashboard.attribution.algorithms import root_causes_of
from dashboard.attribution.components import component_causes
from dashboard.attribution.joint import JointSegment, joint_explanation
from dashboard.attribution.totals import cube_of_cells, scope_cells, scope_cells_many, source_causes
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
    top component per (scope, metric) when ablation runs exist between the two stored releases, and the joint
    explanation's top segment of each scope where Adtributor has no set."""
    sources = source_causes(session, [defs[sid] for sid in sorted(broken)])
    cells = scope_cells_many(session, [defs[sid] for sid in sorted(broken)])  # one query for every scope
    segments = {sid: top_segment(session, defs[sid], cells.get(sid)) for sid in sorted(broken)}
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
                segment=segments[sid],
            )
    return out


def top_segment(session: PairSession, sd: ScopeDef,
                cells: list[dict[str, Any]] | None = None) -> JointSegment | None:
    """The joint explanation's first segment when Adtributor finds no set for the scope (else None: the
    Adtributor set is the published answer, the joint explanation only fills its gap). The scope's cells
    answer both questions; pass them when they were read for many scopes at once."""
    if cells is None:
        cells = scope_cells(session, sd)
    if root_causes_of(cube_of_cells(cells)).sets:
        return None
    joint = joint_explanation(cells)
    return joint.segments[0] if joint.segments else None
