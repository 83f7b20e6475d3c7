"""The SQL side of attribution: a scope's totals per dimension element, its split by effect, by brand, and
the split by source of many scopes at once, all read on a :class:`~dashboard.engine.session.PairSession`.

Each function prepares the scope on the session unless it is, runs one query per release (or one for both)
and hands plain totals to :mod:`.algorithms`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from dashboard.attribution.algorithms import kitagawa
from dashboard.attribution.joint import JointExplanation, joint_explanation
from dashboard.attribution.results import DIMENSIONS, PAIRS, Cube, EffectSplit, MixRate
from dashboard.engine.scopes import ScopeDef
from dashboard.engine.session import SIDES, SP, PairSession, side_inputs

DEFS = {"scope_defs": "scope_defs"}
#: The relations attr_cells.sql reads, each under its own name.
CELLS_INPUTS = {"source_totals_a": "source_totals_a", "source_totals_b": "source_totals_b", "places_a": "places_a",
                "places_b": "places_b", "members_a": "members_a", "members_b": "members_b", "scope_defs": "scope_defs"}


def ensure_prepared(session: PairSession, defs: Sequence[ScopeDef]) -> None:
    """Prepare the scopes on the session unless they are; scopes prepared before are kept."""
    known = {d.scope_id for d in session.defs}
    missing = [d for d in defs if d.scope_id not in known]
    if missing:
        session.prepare([*session.defs, *missing])


def dimension_cube(session: PairSession, sd: ScopeDef) -> Cube:
    """Element totals of every dimension and pair, per release, computed in SQL over the scope's members."""
    ensure_prepared(session, [sd])
    per_side: dict[str, list[dict[str, Any]]] = {}
    session.source_totals()
    for side in SIDES:
        inputs = side_inputs(side, "source_totals", "places", "members") | DEFS
        per_side[side] = session.engine.run("attr_dimension_totals", inputs=inputs, scope_id=sd.scope_id).dicts()
    totals = {"a": 0.0, "b": 0.0}
    cubes: dict[tuple[str, ...], dict[tuple[str, ...], list[float]]] = {}
    for idx, side in enumerate(SIDES):
        for row in per_side[side]:
            dims = tuple(d for d in DIMENSIONS if row[f"g_{d}"] == 0)
            if not dims:
                totals[side] = float(row["visits"] or 0.0)
                continue
            values = tuple(str(row[d]) for d in dims)
            cell = cubes.setdefault(dims, {}).setdefault(values, [0.0, 0.0])
            cell[idx] += float(row["visits"] or 0.0)
    frozen = {d: {k: (v[0], v[1]) for k, v in el.items()} for d, el in cubes.items()}
    return Cube(totals["a"], totals["b"], frozen)


def scope_cells(session: PairSession, sd: ScopeDef) -> list[dict[str, Any]]:
    """The scope's finest cells (source, region, category, brand, segment) with ``visits_current`` and
    ``visits_candidate``, each release labelling its own places; their deltas sum to the scope's delta."""
    return scope_cells_many(session, [sd])[sd.scope_id]


def cube_of_cells(cells: Sequence[dict[str, Any]]) -> Cube:
    """The dimension cube (:func:`dimension_cube`'s shape) summed from a scope's finest cells in Python.

    For the gate's causes, which only ask whether Adtributor finds a set: one query for the cells serves both
    that question and the joint explanation. Sums are compensated (math.fsum), like the SQL's fsum; the
    published `attribute` output keeps reading :func:`dimension_cube`.
    """
    groups: dict[tuple[str, ...], dict[tuple[str, ...], tuple[list[float], list[float]]]] = {}
    for dims in [(d,) for d in DIMENSIONS] + list(PAIRS):
        el = groups.setdefault(dims, {})
        for c in cells:
            a, b = el.setdefault(tuple(str(c[d]) for d in dims), ([], []))
            a.append(float(c["visits_current"] or 0.0))
            b.append(float(c["visits_candidate"] or 0.0))
    cubes = {dims: {k: (math.fsum(a), math.fsum(b)) for k, (a, b) in el.items()} for dims, el in groups.items()}
    return Cube(math.fsum(float(c["visits_current"] or 0.0) for c in cells),
                math.fsum(float(c["visits_candidate"] or 0.0) for c in cells), cubes)


def scope_cells_many(session: PairSession, defs: Sequence[ScopeDef]) -> dict[str, list[dict[str, Any]]]:
    """:func:`scope_cells` of many scopes in one query (the gate's causes), by scope id."""
    if not defs:
        return {}
    ensure_prepared(session, defs)
    session.source_totals()
    out: dict[str, list[dict[str, Any]]] = {d.scope_id: [] for d in defs}
    rows = session.engine.run("attr_cells", inputs=CELLS_INPUTS,
                              scope_ids=[d.scope_id for d in defs]).dicts()
    for row in rows:
        out[row.pop("scope_id")].append(row)
    return out


def changed_places_many(session: PairSession, defs: Sequence[ScopeDef]) -> dict[str, list[dict[str, Any]]]:
    """Per scope, the places that entered or left it (``attr_changed_places.sql``: status, visits, name, brand,
    region, category in each release, whether each release lists the place), in one query."""
    if not defs:
        return {}
    ensure_prepared(session, defs)
    inputs = SP | {"places_a": "places_a", "places_b": "places_b"}
    out: dict[str, list[dict[str, Any]]] = {d.scope_id: [] for d in defs}
    for row in session.engine.run("attr_changed_places", inputs=inputs,
                                  scope_ids=[d.scope_id for d in defs]).dicts():
        out.setdefault(row.pop("scope_id"), []).append(row)
    return out


def joint_of(session: PairSession, sd: ScopeDef) -> JointExplanation:
    """The joint explanation of one scope's delta (:mod:`.joint`) over its finest cells (one query)."""
    return joint_explanation(scope_cells(session, sd))


def effect_split(session: PairSession, sd: ScopeDef) -> EffectSplit:
    """Added, dropped and common places' parts of one scope's delta."""
    ensure_prepared(session, [sd])
    row = session.engine.run("attr_effect", inputs=SP, scope_id=sd.scope_id).dicts()[0]
    return EffectSplit(
        added_places_delta=float(row["added_places"]), dropped_places_delta=-float(row["dropped_places"]),
        common_places_delta=float(row["common_places"]), common_visits_current=float(row["common_visits_current"]),
        common_visits_candidate=float(row["common_visits_candidate"]), places_added=int(row["places_added"]),
        places_dropped=int(row["places_dropped"]), places_common=int(row["places_common"]),
    )


def brand_mix_rate(session: PairSession, sd: ScopeDef) -> MixRate:
    """Kitagawa split of the scope's visits per place over brands."""
    ensure_prepared(session, [sd])
    return kitagawa(session.engine.run("attr_brand_mix", inputs=SP, scope_id=sd.scope_id).dicts())


def source_deltas(session: PairSession, defs: Sequence[ScopeDef]) -> dict[str, list[dict[str, Any]]]:
    """Per scope, visits per source in both releases and their delta, largest |delta| first.

    The split by source of :func:`dimension_cube` (a source or segment scope keeps only its own rows) for many
    scopes in one query; the sources' deltas sum to each scope's delta. Items: source, current, candidate,
    delta. Scopes not yet prepared on the session are prepared.
    """
    if not defs:
        return {}
    ensure_prepared(session, defs)
    session.source_totals()
    ids = [d.scope_id for d in defs]
    inputs = {"members_a": "members_a", "members_b": "members_b", "source_totals_a": "source_totals_a",
              "source_totals_b": "source_totals_b", "scope_defs": "scope_defs"}
    rows = session.engine.run("attr_source_deltas", inputs=inputs, scope_ids=ids).dicts()
    out: dict[str, list[dict[str, Any]]] = {sid: [] for sid in ids}
    for r in rows:
        out.setdefault(r["scope_id"], []).append({
            "source": r["source"], "current": float(r["current"]),
            "candidate": float(r["candidate"]), "delta": float(r["delta"]),
        })
    for items in out.values():
        items.sort(key=lambda x: (-abs(x["delta"]), str(x["source"])))
    return out


def source_causes(session: PairSession, defs: Sequence[ScopeDef]) -> dict[str, dict[str, Any]]:
    """Per scope, the source with the largest |delta| (ties: the first by name) and its share of Σ|delta|
    (``abs_share``, None when nothing moved): the gate's top source cause."""
    out: dict[str, dict[str, Any]] = {}
    for sid, items in source_deltas(session, defs).items():
        if not items:
            continue
        total = sum(abs(x["delta"]) for x in items)
        out[sid] = {**items[0], "abs_share": abs(items[0]["delta"]) / total if total > 0 else None}
    return out
