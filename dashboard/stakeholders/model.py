"""The stakeholders model (DESIGN section 4): customers, deals and the acceptance criteria that judge them.

Typed, immutable entries the gate, the scopes and the pages share; reading and checking the file that
declares them is :mod:`dashboard.stakeholders.validator`. Pure Python: no Streamlit, no store access.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, is_dataclass, replace
from typing import Any, Literal

from dashboard.errors import NotFoundError, suggest
from dashboard.metric_catalog import METRICS

TIERS: tuple[str, ...] = ("key", "standard")
STAGES: tuple[str, ...] = ("trial", "negotiation", "closing")
APPLIES_TO: tuple[str, ...] = ("customers", "deals", "categories", "regions", "all")
SEVERITIES: tuple[str, ...] = ("block", "warn")

#: Metrics a criterion may judge: the scalar ones of the catalogue (section 5).
JUDGEABLE_METRICS: tuple[str, ...] = tuple(name for name, info in METRICS.items() if info.judgeable)

#: Metrics a criterion may bound by a multiple of the scope's noise floor (``threshold_noise = k``), with the
#: metric's value when nothing changed and how the bound reads: "both" (neutral ± k·floor), "max" (at most
#: neutral + k·floor) or "min" (at least neutral − k·floor). Totals (visits, places) have no neutral value.
NOISE_BOUNDS: dict[str, tuple[float, Literal["both", "max", "min"]]] = {
    "delta": (0.0, "both"),
    "level_change_pct": (0.0, "both"),
    "daily_corr": (1.0, "min"),
    "weekly_growth_mae_pp": (0.0, "max"),
    "growth_sign_agreement": (1.0, "min"),
    "max_share_shift_pp": (0.0, "max"),
    "rank_corr": (1.0, "min"),
    "places_added": (0.0, "max"),
    "places_dropped": (0.0, "max"),
}

Status = Literal["pass", "fail", "warn", "no_data"]
WhereValue = str | tuple[str, ...]


@dataclass(frozen=True)
class Customer:
    """A customer whose comparisons must stay consistent; its scope is its brands and competitors."""

    id: str
    name: str
    tier: str = "standard"
    brands: tuple[str, ...] = ()
    competitors: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    place_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Deal:
    """An open sales deal: the prospect is evaluating the numbers of the places matching its filters."""

    id: str
    prospect: str
    stage: str
    owner: str | None = None
    categories: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    place_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Criterion:
    """One acceptance criterion: a bound on a metric, for the stakeholders `where` selects."""

    name: str
    applies_to: str
    where: dict[str, WhereValue] = field(hash=False)
    metric: str
    min: float | None = None
    max: float | None = None
    severity: str = "block"
    #: The bound as a multiple of the scope's noise floor (instead of min/max): resolved per scope by the gate.
    threshold_noise: float | None = None

    @property
    def noise_relative(self) -> bool:
        """Whether the bound is k times the scope's noise floor, to be resolved (:meth:`resolved`) per scope."""
        return self.threshold_noise is not None and self.min is None and self.max is None

    @property
    def op(self) -> Literal["min", "max", "between"]:
        """How the threshold reads, for scorecards: a floor, a ceiling or both."""
        if self.noise_relative:
            shape = NOISE_BOUNDS[self.metric][1]
            return "between" if shape == "both" else shape
        if self.min is not None and self.max is not None:
            return "between"
        return "min" if self.min is not None else "max"

    @property
    def threshold(self) -> float | list[float] | None:
        """The bound as shown beside the value: a number, or [min, max] for "between"; None while a
        noise-relative bound is not resolved."""
        if self.op == "between":
            return None if self.min is None else [self.min, self.max]  # type: ignore[list-item]
        return self.min if self.min is not None else self.max

    def resolved(self, noise_floor: float) -> Criterion:
        """This criterion with its noise-relative bound made absolute for a scope whose noise floor is given:
        neutral ± k·floor, at most neutral + k·floor, or at least neutral − k·floor (see NOISE_BOUNDS)."""
        if not self.noise_relative:
            return self
        neutral, shape = NOISE_BOUNDS[self.metric]
        width = float(self.threshold_noise) * float(noise_floor)  # type: ignore[arg-type]
        lo = neutral - width if shape in ("both", "min") else None
        hi = neutral + width if shape in ("both", "max") else None
        return replace(self, min=lo, max=hi)

    def evaluate(self, value: float | None) -> Status:
        """Judge one metric value; a value that cannot be computed is no_data, never a silent pass.

        A value exactly at a bound passes (min: value >= min; max: value <= max).
        """
        if value is None or (self.noise_relative and self.min is None and self.max is None):
            return "no_data"
        try:
            v = float(value)
        except (TypeError, ValueError):  # pandas NA and the like: not computed
            return "no_data"
        if math.isnan(v):
            return "no_data"
        ok = (self.min is None or v >= self.min) and (self.max is None or v <= self.max)
        if ok:
            return "pass"
        return "fail" if self.severity == "block" else "warn"

    def matches(self, entity: object) -> bool:
        """Whether the `where` filter selects this stakeholder (all conditions must hold).

        `entity` is a Customer, a Deal, a mapping of fields, or a plain string naming a category, region
        or "all" (it then serves as both `id` and `name`). A Customer only matches a criterion that
        applies to customers and a Deal one that applies to deals. For each condition, a string value
        matches a scalar field by equality and a list field by membership; a list value means "any of".
        A field the entity lacks (or that is None) never matches.
        """
        if isinstance(entity, Customer) and self.applies_to != "customers":
            return False
        if isinstance(entity, Deal) and self.applies_to != "deals":
            return False
        return all(_condition_holds(_field_of(entity, key), want) for key, want in self.where.items())


@dataclass(frozen=True)
class Stakeholders:
    """The parsed, validated file; `source` names it in messages and reports."""

    customers: tuple[Customer, ...]
    deals: tuple[Deal, ...]
    criteria: tuple[Criterion, ...]
    source: str

    def customer(self, id: str) -> Customer:
        """The customer with this id; an unknown id lists the ones that exist."""
        for c in self.customers:
            if c.id == id:
                return c
        raise NotFoundError(_not_found("customer", id, [c.id for c in self.customers], self.source))

    def deal(self, id: str) -> Deal:
        """The deal with this id; an unknown id lists the ones that exist."""
        for d in self.deals:
            if d.id == id:
                return d
        raise NotFoundError(_not_found("deal", id, [d.id for d in self.deals], self.source))

    def criterion(self, name: str) -> Criterion:
        """The criterion with this name; an unknown name lists the ones that exist."""
        for c in self.criteria:
            if c.name == name:
                return c
        raise NotFoundError(_not_found("criterion", name, [c.name for c in self.criteria], self.source))


def _not_found(kind: str, wanted: str, existing: Sequence[str], source: str) -> str:
    listed = ", ".join(existing) if existing else "(none)"
    return f"{source}: no {kind} {wanted!r}; existing: {listed}{suggest(wanted, existing)}"


def _field_of(entity: object, key: str) -> Any:
    if isinstance(entity, str):
        return entity if key in ("id", "name") else None
    if isinstance(entity, Mapping):
        return entity.get(key)
    return getattr(entity, key, None)


def _condition_holds(actual: Any, want: WhereValue) -> bool:
    wanted = {want} if isinstance(want, str) else set(want)
    if actual is None:
        return False
    if isinstance(actual, str):
        return actual in wanted
    if isinstance(actual, Iterable):
        return any(a in wanted for a in actual)
    return False


def as_dict(entity: Customer | Deal | Criterion) -> dict[str, Any]:
    """Plain dict of an entry (tuples as lists), for JSON exports and tables."""
    if not is_dataclass(entity):
        raise TypeError(f"not a stakeholders entry: {entity!r}")
    out: dict[str, Any] = {}
    for f in fields(entity):
        v = getattr(entity, f.name)
        if f.name == "threshold_noise" and v is None:
            continue  # absent from files that do not use it, so their exports stay as they were
        if isinstance(v, tuple):
            v = list(v)
        elif isinstance(v, dict):
            v = {k: list(x) if isinstance(x, tuple) else x for k, x in v.items()}
        out[f.name] = v
    return out
