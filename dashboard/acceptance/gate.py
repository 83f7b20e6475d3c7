"""The release gate (DESIGN section 7), pure: every criterion on every scope it applies to, waivers given.

:func:`evaluate_gate` resolves the scopes the stakeholders' criteria apply to (customers and deals selected by
each criterion's ``where``, every category and region present in either release, ``all``), computes their
metrics in one :class:`~dashboard.engine.session.PairSession`, judges each (criterion, scope) pair
(:mod:`dashboard.acceptance.criteria`), applies the sign-offs it is handed and attaches to each failing or
warning result its top cause (:mod:`dashboard.acceptance.causes`). It reads no log and writes nothing:
:mod:`dashboard.acceptance.service` reads the sign-off log, runs it and records the run.

Statuses (:class:`~dashboard.acceptance.status.Status`): ``pass``; ``fail`` (block severity) and ``warn``
(warn severity) when the bound is broken; ``waived`` when a fail or warn has an active sign-off; ``no_data``
when a warn criterion's metric cannot be computed. A block criterion without data, or on a scope with no place
in one release, is a ``fail`` (with a note) unless signed off. The verdict is ``fail`` when any ``fail``
remains, else ``pass``. A stakeholders file without criteria, or a customer or deal that matches no place in
either release, is refused before anything is judged (RelcheckError).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from dashboard.acceptance.causes import causes as find_causes
from dashboard.acceptance.criteria import criterion_scopes, json_value, judge, ordered_scopes
from dashboard.acceptance.results import Cause, CriterionResult, GateResult
from dashboard.acceptance.scope_check import check_places_found, check_stakeholder_scopes, require_criteria
from dashboard.acceptance.status import RANK, STATUSES, Status
from dashboard.acceptance.waivers import active_waiver
from dashboard.engine import metrics
from dashboard.engine.noise import NoiseFloor, noise_floors
from dashboard.engine.scopes import ScopeDef
from dashboard.engine.session import PairSession, Side
from dashboard.stakeholders.model import Criterion, Stakeholders
from dashboard.store.catalog import Store, utc_now

#: Status string → rank (0 = worst), derived from :class:`Status`; kept for callers not yet on ``Status``.
STATUS_RANK: dict[str, int] = RANK


def attribute_values(session: PairSession, attribute: str) -> list[str]:
    """Distinct values of a place attribute (category, region, ...) present in either release, sorted."""
    return session.values(attribute)


def _places(m: metrics.ScopeMetrics) -> tuple[int, int]:
    return int(m.get("places_current") or 0), int(m.get("places_candidate") or 0)


def _empty_side(places: tuple[int, int]) -> str | None:
    """Which release has no place of the scope, when exactly one has none."""
    if places[0] == 0 and places[1] > 0:
        return "current"
    if places[1] == 0 and places[0] > 0:
        return "candidate"
    return None


def _overflow(m: metrics.ScopeMetrics) -> str | None:
    """Why none of a scope's metrics can be trusted: its visit totals are not finite numbers (overflow)."""
    for key in ("visits_current", "visits_candidate"):
        v = m.get(key)
        if isinstance(v, float) and not math.isfinite(v):
            return f"{key} is not a finite number ({v}): the visits overflowed, no metric of this scope is judged"
    return None


def _noise_floors(store: Store, session: PairSession, per_criterion: list[tuple[Criterion, list[ScopeDef]]],
                  computed: dict[str, metrics.ScopeMetrics]) -> dict[str, dict[str, NoiseFloor]]:
    """The noise floors the noise-relative criteria need: of the current release, over the pair's window."""
    relative = [(c, scopes) for c, scopes in per_criterion if c.noise_relative]
    if not relative or session.a.release is None:
        return {}
    defs = {d.scope_id: d for _, scopes in relative for d in scopes}
    return noise_floors(store, session.a.release.release_id, list(defs.values()), {c.metric for c, _ in relative},
                        window=session.window, base_metrics=computed)


def evaluate_gate(
    store: Store,
    current: str | Side,
    candidate: str | Side,
    stakeholders: Stakeholders,
    *,
    signoffs: Iterable[dict[str, Any]] = (),
    today: dt.date | None = None,
    attribute: bool = True,
) -> GateResult:
    """Judge every criterion on every scope it applies to, for the pair current → candidate.

    ``current`` and ``candidate`` are release ids (or :class:`~dashboard.engine.session.Side` objects, e.g. a
    chaos scenario). ``signoffs``: sign-off records (as the sign-off log holds them); those valid on
    ``today`` (default: the UTC date) waive their results. ``attribute=False`` skips the causes (faster, for
    sweeps). Raises RelcheckError for an unknown release or a pair without common dates. Writes nothing.
    """
    today = today or dt.datetime.now(dt.UTC).date()
    require_criteria(stakeholders)
    records = list(signoffs)
    with PairSession(store, current, candidate) as session:
        a_label, b_label = session.a.label, session.b.label
        per_criterion: list[tuple[Criterion, list[ScopeDef]]] = []
        need_cat = any(c.applies_to == "categories" for c in stakeholders.criteria)
        need_reg = any(c.applies_to == "regions" for c in stakeholders.criteria)
        categories = attribute_values(session, "category") if need_cat else []
        regions = attribute_values(session, "region") if need_reg else []
        defs: dict[str, ScopeDef] = {}
        for crit in stakeholders.criteria:
            scopes = criterion_scopes(crit, stakeholders, categories, regions)
            per_criterion.append((crit, scopes))
            for d in scopes:
                defs.setdefault(d.scope_id, d)
        ordered = ordered_scopes(defs.values())
        pair = f"{a_label} -> {b_label}"
        known_values: dict[str, list[str]] = {}

        wanted_places = {p for d in ordered for p in d.place_ids}

        def known(kind: str) -> list[str]:
            # Places: only those the file names (a release has hundreds of thousands); the full list is read
            # only for the spelling hints of an error.
            if kind not in known_values:
                known_values[kind] = (sorted(session.places_present(wanted_places)) if kind == "place"
                                      else session.values(kind))
            return known_values[kind]

        check_stakeholder_scopes(ordered, known, stakeholders.source, pair, hints=session.values)
        computed: dict[str, metrics.ScopeMetrics] = {}
        if ordered:
            session.prepare(ordered)
            computed = {m.scope.scope_id: m for m in metrics.compute(session, divergence=attribute)}
        places = {sid: _places(m) for sid, m in computed.items()}
        check_places_found(ordered, places, stakeholders.source, pair)
        window = session.window
        floors = _noise_floors(store, session, per_criterion, computed)

        judged: list[CriterionResult] = []
        broken: dict[str, set[str]] = {}
        for crit, scopes in per_criterion:
            for d in scopes:
                value = computed[d.scope_id].get(crit.metric)
                waiver = active_waiver(records, a_label, b_label, crit.name, d.scope_id, today) if records else None
                r = judge(crit, d, value, waiver, unavailable=_overflow(computed[d.scope_id]),
                          empty_side=_empty_side(places[d.scope_id]),
                          noise_floor=floors.get(d.scope_id, {}).get(crit.metric))
                if r.outcome.broken:
                    broken.setdefault(d.scope_id, set()).add(crit.metric)
                judged.append(r)
        causes: dict[tuple[str, str], Cause] = {}
        if attribute and broken:
            full = {sid: m.values for sid, m in computed.items()}
            causes = find_causes(session, store, broken, defs, full,
                                 {sid: m.onset for sid, m in computed.items()})

    results = tuple(
        replace(r, cause=causes.get((r.scope, r.metric))) if r.outcome.broken else r for r in judged
    )
    counts: dict[str, int] = {str(s): 0 for s in STATUSES}
    for r in results:
        counts[r.status] += 1
    return GateResult(
        current=a_label,
        candidate=b_label,
        verdict="fail" if counts[Status.FAIL] else "pass",
        counts=counts,
        results=results,
        window=window,
        scopes=tuple(ordered),
        scope_metrics={sid: {k: json_value(v) for k, v in m.values.items()} for sid, m in computed.items()},
        criteria=tuple(c.name for c in stakeholders.criteria),
        evaluated_at=utc_now(),
        today=today.isoformat(),
        stakeholders_source=stakeholders.source,
    )
