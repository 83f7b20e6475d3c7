"""What-if: the criteria a scope would get as a customer or as a deal, judged now on the current pair.

Why: a sales engineer's ad-hoc scope is in no stakeholders file yet, so the gate judges nothing on it and
the Explore page used to say "No acceptance criterion applies" although the snippet it offers would be a
trial deal that fails. Here the scope becomes a hypothetical customer (of a tier) or deal (of a stage), the
file's criteria select it by their ``where`` as they would once pasted, and the real gate judges it alone:
the same statuses, values and block-without-data rule as the release gate, nothing recorded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from dashboard.acceptance.gate import evaluate_gate
from dashboard.acceptance.results import CriterionResult
from dashboard.acceptance.status import worst
from dashboard.engine.scopes import ScopeDef, customer_scope, deal_scope
from dashboard.engine.session import Side
from dashboard.errors import RelcheckError
from dashboard.formatting import number
from dashboard.metric_catalog import METRICS
from dashboard.stakeholders import Criterion, Customer, Deal, Stakeholders, as_dict, stakeholder_snippet
from dashboard.stakeholders.model import STAGES, TIERS
from dashboard.store.catalog import Store

Kind = Literal["customer", "deal"]
KINDS: tuple[str, ...] = ("deal", "customer")
DEFAULT_ID = "my-scope"


def stakeholder_id(name: str) -> str:
    """An id for the stakeholders file from a free-text name: letters, digits, '.', '_' and '-' kept."""
    sid = "".join(ch if ch.isalnum() or ch in "._-" else "-" for ch in (name or "")).strip("-")
    return sid or DEFAULT_ID


def hypothetical_stakeholder(
    kind: str,
    name: str,
    *,
    brands: Sequence[str] = (),
    categories: Sequence[str] = (),
    regions: Sequence[str] = (),
    place_ids: Sequence[str] = (),
    tier: str = "standard",
    stage: str = "trial",
) -> Customer | Deal:
    """The scope as the customer (own brands = ``brands``) or deal it would be in the stakeholders file.

    A customer has no category filter (the categories are left out: :func:`dropped_fields` says so) and
    selects places by brand or id: one with neither is refused (RelcheckError), as its scope would be empty.
    """
    sid = stakeholder_id(name)
    label = name or sid
    if kind == "customer":
        if tier not in TIERS:
            raise RelcheckError(f"tier must be one of {', '.join(TIERS)}; got {tier!r}")
        if not brands and not place_ids:
            raise RelcheckError(
                "a customer's scope is its brands (within its regions) and its place ids: pick a brand or a "
                "place to see it as a customer"
            )
        return Customer(id=sid, name=label, tier=tier, brands=tuple(brands), regions=tuple(regions),
                        place_ids=tuple(place_ids))
    if kind == "deal":
        if stage not in STAGES:
            raise RelcheckError(f"stage must be one of {', '.join(STAGES)}; got {stage!r}")
        return Deal(id=sid, prospect=label, stage=stage, owner="sales engineering", categories=tuple(categories),
                    regions=tuple(regions), brands=tuple(brands), place_ids=tuple(place_ids))
    raise RelcheckError(f"a scope can be seen as a customer or a deal, not {kind!r}")


def dropped_fields(kind: str, categories: Sequence[str]) -> list[str]:
    """Filters of the ad-hoc scope the stakeholder kind cannot hold (a customer has no categories)."""
    return ["categories"] if kind == "customer" and categories else []


def snippet(entity: Customer | Deal) -> str:
    """The entity as a ``[[customers]]`` or ``[[deals]]`` block, validated by the file's own parser."""
    kind: Kind = "customer" if isinstance(entity, Customer) else "deal"
    return stakeholder_snippet(kind, **as_dict(entity))


def bound_text(result: CriterionResult) -> str:
    """A criterion's bound in words with the metric's unit: "at most 1.25 pp", "between -3 and +3 %"."""
    unit = METRICS[result.metric].unit if result.metric in METRICS else ""
    suffix = f" {unit}" if unit in ("%", "pp", "visits", "places") else ""
    spec = "+g" if unit == "%" else "g"
    t = result.threshold
    if isinstance(t, list | tuple):
        return f"between {number(t[0], spec)} and {number(t[1], spec)}{suffix}"
    word = "at least" if result.op == "min" else "at most"
    return f"{word} {number(t, spec)}{suffix}"


def criteria_for(stakeholders: Stakeholders, entity: Customer | Deal) -> tuple[Criterion, ...]:
    """The file's criteria that would judge this customer or deal (their ``applies_to`` and ``where``)."""
    applies = "customers" if isinstance(entity, Customer) else "deals"
    return tuple(c for c in stakeholders.criteria if c.applies_to == applies and c.matches(entity))


@dataclass(frozen=True)
class HypotheticalCheck:
    """The criteria a hypothetical stakeholder would get, judged on the pair (no sign-off applies)."""

    entity: Customer | Deal
    scope: ScopeDef
    criteria: tuple[Criterion, ...]
    results: tuple[CriterionResult, ...]
    values: dict[str, Any]

    @property
    def status(self) -> str | None:
        """The worst status of its results; None when no criterion would judge it."""
        return str(worst(r.status for r in self.results)) if self.results else None

    @property
    def verdict(self) -> str | None:
        """What the gate would say if only this stakeholder were in the file: fail, pass or None."""
        if not self.results:
            return None
        return "fail" if any(r.status == "fail" for r in self.results) else "pass"


def evaluate_hypothetical(
    store: Store,
    current: str | Side,
    candidate: str | Side,
    stakeholders: Stakeholders,
    entity: Customer | Deal,
    *,
    today: dt.date | None = None,
    attribute: bool = False,
) -> HypotheticalCheck:
    """Judge ``entity`` as if it were in the stakeholders file, alone, on current → candidate.

    Runs :func:`~dashboard.acceptance.gate.evaluate_gate` on a file holding only this stakeholder and the
    criteria that select it, so statuses follow the gate's rules exactly. A scope that matches no place in
    either release is refused as the gate refuses it (RelcheckError). Writes nothing.
    """
    crits = criteria_for(stakeholders, entity)
    scope = customer_scope(entity) if isinstance(entity, Customer) else deal_scope(entity)
    if not crits:
        return HypotheticalCheck(entity, scope, (), (), {})
    kind = "customer" if isinstance(entity, Customer) else "deal"
    alone = replace(
        stakeholders,
        customers=(entity,) if kind == "customer" else (),
        deals=(entity,) if kind == "deal" else (),
        criteria=crits,
        source=f"{stakeholders.source} (with the hypothetical {kind} {entity.id!r})",
    )
    gate = evaluate_gate(store, current, candidate, alone, today=today, attribute=attribute)
    return HypotheticalCheck(entity, scope, crits, gate.results, dict(gate.scope_metrics.get(scope.scope_id, {})))
