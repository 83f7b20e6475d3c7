"""Causes of failing results in plain words (:mod:`dashboard.attribution.plain`): the pipeline component behind
each failing metric with the manifest's words for its change, the places that entered or left the scope by name,
the segments that explain the movement, a source only when it stands out, and the date the releases part.

Kept apart from the pure gate so the gate only judges; the work itself is attribution's (the split by source,
the scope's cells, Shapley over ablation runs), asked for the failing scopes only, each question in one query
for all of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dashboard.acceptance.results import Cause
from dashboard.attribution import totals
from dashboard.attribution.algorithms import root_causes_of
from dashboard.attribution.components import component_causes
from dashboard.attribution.joint import JointSegment, joint_explanation
from dashboard.attribution.plain import ComponentMove, component_moves, explanation
from dashboard.attribution.totals import changed_places_many, cube_of_cells, scope_cells, scope_cells_many
from dashboard.engine.divergence import Onset
from dashboard.engine.scopes import ScopeDef
from dashboard.engine.session import PairSession
from dashboard.store.catalog import Store

__all__ = ["causes", "onset_words", "top_segment"]


def onset_words(onset: Onset | None) -> str | None:
    """The divergence line without what diverged (that needs a scan of the scope's visit rows)."""
    if onset is None:
        return None
    side = "candidate higher" if onset.direction > 0 else "candidate lower"
    return f"diverges from {onset.diverges_from.isoformat()} ({side})"


def causes(
    session: PairSession,
    store: Store,
    broken: dict[str, set[str]],
    defs: dict[str, ScopeDef],
    full: dict[str, dict[str, Any]],
    onsets: Mapping[str, Onset | None] | None = None,
) -> dict[tuple[str, str], Cause]:
    """Causes for the failing scopes only (``broken``: scope id -> its failing metrics).

    One query each, for every failing scope at once: the split by source, the finest cells (Adtributor's
    question and the joint explanation), the places that entered or left; the components per (scope, metric)
    when ablation runs exist between the two stored releases. ``onsets``: the scopes' divergence onsets.
    """
    ids = sorted(broken)
    scope_list = [defs[sid] for sid in ids]
    sources = totals.source_deltas(session, scope_list)
    cells = scope_cells_many(session, scope_list)
    places = changed_places_many(session, scope_list)
    joints = {sid: joint_explanation(cells.get(sid) or []) for sid in ids}
    segments = {sid: (None if root_causes_of(cube_of_cells(cells.get(sid) or [])).sets
                      else (joints[sid].segments[0] if joints[sid].segments else None)) for sid in ids}
    components: dict[tuple[str, str], dict[str, Any]] = {}
    versions: tuple[dict[str, str], dict[str, str], str] = ({}, {}, "")
    if session.a.release is not None and session.b.release is not None:
        components = component_causes(
            store, session.a.label, session.b.label, session.window, broken, defs, full
        )
        versions = (dict(session.a.release.components), dict(session.b.release.components),
                    session.b.release.description)
    out: dict[tuple[str, str], Cause] = {}
    for sid, metric_names in broken.items():
        items = sources.get(sid) or []
        movement = sum(abs(x["delta"]) for x in items)
        top = items[0] if items else None
        for metric in sorted(metric_names):
            comp = components.get((sid, metric))
            moves: tuple[ComponentMove, ...] = ()
            if comp:
                moves = component_moves(comp["contributions"], comp["interaction"], metric, comp["method"],
                                        *versions)
            words = explanation(sid, sources=items, place_rows=places.get(sid, []),
                                segments=joints[sid].segments, components=moves,
                                onset=onset_words((onsets or {}).get(sid)))
            out[(sid, metric)] = Cause(
                scope_delta=float(full.get(sid, {}).get("delta") or 0.0),
                source=top["source"] if top else None,
                source_current=top["current"] if top else None,
                source_candidate=top["candidate"] if top else None,
                source_delta=top["delta"] if top else None,
                source_abs_share=abs(top["delta"]) / movement if top and movement > 0 else None,
                component=comp["component"] if comp else None,
                component_metric=metric if comp else None,
                component_contribution=comp["contribution"] if comp else None,
                component_method=comp["method"] if comp else None,
                segment=segments[sid],
                explanation=words,
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
