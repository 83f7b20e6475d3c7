"""Criteria judging, pure: which scopes a criterion applies to, their order, and one criterion on one value.

Nothing here reads the store: the gate hands in the scopes' metric values and the active sign-offs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from dashboard.acceptance.results import CriterionResult
from dashboard.acceptance.status import Status
from dashboard.acceptance.waivers import as_waiver
from dashboard.engine.noise import NoiseFloor
from dashboard.engine.scopes import ScopeDef, customer_scope, deal_scope, simple_scope
from dashboard.stakeholders.model import Criterion, Stakeholders


def criterion_scopes(
    criterion: Criterion, stakeholders: Stakeholders, categories: Iterable[str], regions: Iterable[str]
) -> list[ScopeDef]:
    """Every scope a criterion applies to: its stakeholders selected by ``where``, in file or name order."""
    kind = criterion.applies_to
    if kind == "customers":
        return [customer_scope(c) for c in stakeholders.customers if criterion.matches(c)]
    if kind == "deals":
        return [deal_scope(d) for d in stakeholders.deals if criterion.matches(d)]
    if kind == "categories":
        return [simple_scope("category", c) for c in sorted(set(categories)) if criterion.matches(c)]
    if kind == "regions":
        return [simple_scope("region", r) for r in sorted(set(regions)) if criterion.matches(r)]
    if kind == "all":
        return [simple_scope("all")] if criterion.matches("all") else []
    raise ValueError(f"unknown applies_to {kind!r}")


def applies_to_scope(criterion: Criterion, scope: ScopeDef, stakeholders: Stakeholders) -> bool:
    """Whether the gate would judge this criterion on this scope (categories and regions by name)."""
    kinds = {"customers": "customer", "deals": "deal", "categories": "category", "regions": "region", "all": "all"}
    if kinds[criterion.applies_to] != scope.kind:
        return False
    if scope.kind == "customer":
        return any(c.id == scope.value and criterion.matches(c) for c in stakeholders.customers)
    if scope.kind == "deal":
        return any(d.id == scope.value and criterion.matches(d) for d in stakeholders.deals)
    return criterion.matches(scope.value or "all")


_KIND_ORDER = {"customer": 0, "deal": 1, "category": 2, "region": 3, "all": 4}


def ordered_scopes(defs: Iterable[ScopeDef]) -> list[ScopeDef]:
    """Customers, deals (file order), categories, regions (by name), all: the scorecard's order."""
    items = list(defs)
    first_seen = {d.scope_id: i for i, d in enumerate(items)}

    def key(d: ScopeDef) -> tuple[int, int, str]:
        by_name = d.kind in ("category", "region")
        return (_KIND_ORDER.get(d.kind, 9), 0 if by_name else first_seen[d.scope_id], d.value or "")

    return sorted(items, key=key)


def json_value(v: Any) -> Any:
    """A metric value fit for JSON: non-finite floats become None (they are no_data anyway)."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def _resolve(criterion: Criterion, floor: NoiseFloor | None) -> tuple[Criterion, str | None, str | None]:
    """A noise-relative criterion made absolute with the scope's noise floor: (criterion, how, why not)."""
    k = criterion.threshold_noise
    if floor is None or floor.value is None:
        reason = floor.reason if floor is not None and floor.reason else "no noise floor was computed"
        return criterion, None, f"no data: the noise floor of {criterion.metric} on this scope is unknown ({reason})"
    resolved = criterion.resolved(floor.value)
    return resolved, f"threshold = {k:g} x noise floor {floor.describe()}", None


def judge(
    criterion: Criterion,
    scope: ScopeDef,
    value: Any,
    waiver: dict[str, Any] | None = None,
    *,
    unavailable: str | None = None,
    empty_side: str | None = None,
    noise_floor: NoiseFloor | None = None,
) -> CriterionResult:
    """One criterion on one scope's value. ``waiver``: the active sign-off of this result, if any.

    The outcome is pass, fail, warn or no_data; the status is ``waived`` when the outcome breaks the bound
    and a sign-off covers it (a sign-off never turns a pass or a warn criterion's no_data into anything else).

    Why a block criterion never passes on what it cannot check: a value that cannot be computed (``None``,
    NaN, an overflow to infinity, or ``unavailable`` set by the gate, e.g. visits that overflowed) is
    ``no_data`` for a warn criterion but ``fail`` for a block one, with a ``note`` saying why; and a block
    criterion on a scope with no place in one release (``empty_side``: "current" or "candidate") fails
    whatever its value. A noise-relative criterion (``threshold_noise = k``) is judged with its bound made
    absolute by ``noise_floor`` (shown as the threshold, the note says how); without a known floor it is
    ``no_data`` whatever its severity, and the note gives the reason (replicate runs of the current release).
    """
    resolution = why = None
    if criterion.noise_relative:  # unresolved (floor unknown), it judges any value no_data
        criterion, resolution, why = _resolve(criterion, noise_floor)
    note = unavailable or why
    if isinstance(value, float) and not math.isfinite(value) and not math.isnan(value):
        note = note or f"{criterion.metric} is not a finite number ({value}): the sums overflowed"
    value = None if unavailable else json_value(value)
    outcome = Status(criterion.evaluate(value))
    block = criterion.severity == "block"
    if outcome == Status.NO_DATA:
        note = note or f"no data: {criterion.metric} cannot be computed on this scope"
        if block and not why:  # an unknown noise floor stays no_data (issue 14): the reason says what to add
            outcome = Status.FAIL
            note += "; a block criterion without data fails unless signed off"
    elif empty_side and block and outcome == Status.PASS:
        outcome = Status.FAIL
        note = f"the scope has no place in the {empty_side} release; a block criterion fails unless signed off"
    if resolution:
        note = f"{resolution}; {note}" if note else resolution
    waived = outcome.broken and waiver is not None
    return CriterionResult(
        criterion=criterion.name,
        scope=scope.scope_id,
        scope_name=scope.name,
        metric=criterion.metric,
        value=value,
        op=criterion.op,
        threshold=criterion.threshold,
        severity=criterion.severity,
        status=Status.WAIVED if waived else outcome,
        outcome=outcome,
        waiver=as_waiver(waiver) if waived and waiver is not None else None,
        note=note,
    )
