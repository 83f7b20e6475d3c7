"""Attribution of a release delta (DESIGN section 6): which source, places, element or component moved it.

A comparison says *that* a scope moved; the release team has to answer *why* before it ships. Every
split here sums exactly (to floating-point tolerance) to the scope's delta, so no part of a change can
hide between the bars:

- **by source**: delta = Σ over upstream sources of (B_source − A_source);
- **by effect**: delta = added_places − dropped_places + common_places (coverage churn against level);
- **root causes**: Adtributor (Bhagwan et al., NSDI 2014) over region, category, brand, source and segment,
  and over pairs of them, so a fault such as "sdk_beta lost devices in W" is found as one element;
- **by component**: Shapley values over ablation runs (the current release rebuilt with some components
  at the candidate's versions), exact when every subset exists, else the paired one-at-a-time estimate or
  first-order effects, with the remainder shown as "interaction";
- **mix against rate** (Kitagawa): visits per place of the scope, split into brand composition and
  per-brand visits per place.

Heavy work runs in SQL (``queries/attr_*.sql``) on a :class:`PairSession`; Python only sees aggregates.
This module is core: it never imports Streamlit and returns typed results with ``to_json()``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dashboard.engine import metrics
from dashboard.engine.scopes import ScopeDef, resolve_scope
from dashboard.engine.session import PairSession, Window, fetch_dicts
from dashboard.errors import RelcheckError
from dashboard.metric_catalog import METRICS
from dashboard.sql import files as queries
from dashboard.stakeholders import Stakeholders, load_stakeholders
from dashboard.store.catalog import Release, Store

# ------------------------------------------------------------------------------------------ constants

#: Adtributor thresholds: an element enters a set only when it explains more than TEEP of the change,
#: and a set is complete once it explains more than TEP (the values re-implementations use).
TEP = 0.67
TEEP = 0.10
TOP_K = 3
#: Surprise is the Jensen-Shannon term in bits (log base 2), so a dimension's surprises sum to at most 1.
LOG_BASE = 2.0
#: A pair of dimensions is more specific than either of its single dimensions, and its elements are finer,
#: so it tends to look a little more surprising even when the cause is one dimension wide (surprise is
#: subadditive). A pair's set competes only when it localises: its summed surprise is more than PAIR_GAIN
#: times the summed surprise of the set of each of its two single dimensions (0 when a single dimension
#: yields no set), and it has no more elements than the larger of those sets (so it does not re-spread one
#: dimension's change over finer cells). Why 2: for a small change concentrated in one cell holding a share
#: w of its single element's visits, surprise grows like 1/w from the element to the cell (JS ≈ Δshare²/8p),
#: so a gain of 2 asks that the change sit in cells holding at most about half of that element's visits.
PAIR_GAIN = 2.0
PAIR_RULE = (
    f"a set over a pair of dimensions is ranked only when its summed surprise exceeds {PAIR_GAIN}x the "
    "summed surprise of the set found on each of its two single dimensions (0 when that dimension has "
    "none) and it has no more elements than the larger of those sets; the admitted sets of all dimensions "
    "are then ranked by summed surprise, ties going to fewer dimensions, then fewer elements"
)
#: A total change this small relative to the totals counts as zero: signed EP is then undefined.
ZERO_DELTA_REL = 1e-9
#: A set whose summed surprise is below this is not reported: when every element moved in proportion
#: (a uniform level change), no dimension localises the change, and the delta is flagged unexplained
#: (look at the component attribution instead).
MIN_SURPRISE = 1e-12

#: Canonical order of the root-cause dimensions, and the pairs searched (in that order).
DIMENSIONS: tuple[str, ...] = ("source", "region", "category", "brand", "segment")
#: Every pair but category x brand: a brand belongs to one business category, so that pair repeats the brand
#: dimension except for category relabels, whose appearing and vanishing elements would then outrank every
#: real fault by the zero rule of surprise (a relabel still shows on the category dimension itself).
NESTED_PAIRS: frozenset[tuple[str, str]] = frozenset({("category", "brand")})
PAIRS: tuple[tuple[str, str], ...] = tuple(p for p in itertools.combinations(DIMENSIONS, 2) if p not in NESTED_PAIRS)

METHODS = ("exact_shapley", "paired", "first_order", "none")
EFFECT_SIGN_CONVENTION = (
    "total_delta = added_places - dropped_places + common_places; added_places = candidate visits of places "
    "only in the candidate's scope, dropped_places = current visits of places only in the current's scope "
    "(a positive number; its contribution to the delta is -dropped_places), common_places = change on "
    "places in both"
)

Scope = str | ScopeDef
StakeholdersArg = Stakeholders | str | Path | None


# ------------------------------------------------------------------------------------------ results


@dataclass(frozen=True)
class SourceDelta:
    source: str
    visits_current: float
    visits_candidate: float
    delta: float

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "visits_current": self.visits_current,
                "visits_candidate": self.visits_candidate, "delta": self.delta}


@dataclass(frozen=True)
class SourceSplit:
    """The scope's delta as a waterfall over upstream sources (sources present in either release)."""

    scope: str
    total_delta: float
    rows: list[SourceDelta]

    def to_json(self) -> list[dict[str, Any]]:
        return [r.to_json() for r in self.rows]


@dataclass(frozen=True)
class EffectSplit:
    """Coverage churn against level change; see EFFECT_SIGN_CONVENTION for the signs."""

    added_places: float
    dropped_places: float
    common_places: float
    common_visits_current: float
    common_visits_candidate: float
    places_added: int
    places_dropped: int
    places_common: int

    @property
    def total(self) -> float:
        return self.added_places - self.dropped_places + self.common_places

    def to_json(self) -> dict[str, Any]:
        return {
            "added_places": self.added_places,
            "dropped_places": self.dropped_places,
            "common_places": self.common_places,
            "sign_convention": EFFECT_SIGN_CONVENTION,
            "places_added": self.places_added,
            "places_dropped": self.places_dropped,
            "places_common": self.places_common,
            "common_visits_current": self.common_visits_current,
            "common_visits_candidate": self.common_visits_candidate,
        }


@dataclass(frozen=True)
class ElementScore:
    """One element (a value, or a pair of values) of a dimension with its Adtributor scores.

    ``explanatory_power`` is None when the scope's total did not change (signed EP is undefined then).
    """

    dimensions: tuple[str, ...]
    values: tuple[str, ...]
    visits_current: float
    visits_candidate: float
    explanatory_power: float | None
    abs_explanatory_power: float
    surprise: float

    @property
    def delta(self) -> float:
        return self.visits_candidate - self.visits_current

    def to_json(self) -> dict[str, Any]:
        return {
            "values": list(self.values),
            "visits_current": self.visits_current,
            "visits_candidate": self.visits_candidate,
            "delta": self.delta,
            "explanatory_power": self.explanatory_power,
            "abs_explanatory_power": self.abs_explanatory_power,
            "surprise": self.surprise,
        }


@dataclass(frozen=True)
class RootCause:
    """An explanatory set: elements of one dimension (or pair of dimensions) that explain the delta."""

    dimensions: tuple[str, ...]
    elements: tuple[ElementScore, ...]

    @property
    def explanatory_power(self) -> float | None:
        eps = [e.explanatory_power for e in self.elements]
        return None if any(x is None for x in eps) else float(sum(x for x in eps if x is not None))

    @property
    def abs_explanatory_power(self) -> float:
        return float(sum(e.abs_explanatory_power for e in self.elements))

    @property
    def surprise(self) -> float:
        return float(sum(e.surprise for e in self.elements))

    @property
    def values(self) -> list[Any]:
        """Single dimension: its element values. Pair: [v1, v2] for one element, else [[v1, v2], ...]."""
        if len(self.dimensions) == 1:
            return [e.values[0] for e in self.elements]
        if len(self.elements) == 1:
            return list(self.elements[0].values)
        return [list(e.values) for e in self.elements]

    def label(self) -> str:
        parts = [" × ".join(f"{d}={v}" for d, v in zip(self.dimensions, e.values, strict=True))
                 for e in self.elements]
        return " | ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "dimensions": list(self.dimensions),
            "values": self.values,
            "elements": [list(e.values) for e in self.elements],
            "explanatory_power": self.explanatory_power,
            "abs_explanatory_power": self.abs_explanatory_power,
            "surprise": self.surprise,
            "delta": float(sum(e.delta for e in self.elements)),
        }


@dataclass(frozen=True)
class RootCauses:
    """Adtributor's top sets over single dimensions and pairs, and the per-dimension element tables.

    ``unexplained`` is True when the scope changed and no dimension (single or pair) yields a set (a
    change spread in proportion over every element, with no surprise, yields none either).
    ``ep_guarded`` is True when the scope's total did not change: signed EP is undefined, so sets are
    built with absolute EP (|Δ_j| / Σ|Δ_j|) instead.
    """

    sets: list[RootCause]
    unexplained: bool
    ep_guarded: bool
    visits_current: float
    visits_candidate: float
    tables: dict[tuple[str, ...], list[ElementScore]] = field(default_factory=dict)
    candidates: list[RootCause] = field(default_factory=list)

    def table(self, *dimensions: str) -> list[ElementScore]:
        """Element scores of one dimension (or pair), most surprising first."""
        return self.tables.get(tuple(dimensions), [])

    def to_json(self) -> dict[str, Any]:
        return {
            "root_causes": [s.to_json() for s in self.sets],
            "unexplained": self.unexplained,
            "ep_guarded": self.ep_guarded,
            "thresholds": {"tep": TEP, "teep": TEEP, "top_k": TOP_K},
            "surprise_log_base": LOG_BASE,
            "pair_rule": PAIR_RULE,
        }


@dataclass(frozen=True)
class ComponentRun:
    """A run used for the component attribution: v(S) for its swapped set S."""

    release_id: str
    swapped: tuple[str, ...]
    value: float | None

    def to_json(self) -> dict[str, Any]:
        return {"release_id": self.release_id, "swapped": list(self.swapped), "value": self.value}


@dataclass(frozen=True)
class ComponentAttribution:
    """Shapley attribution of a metric's change to the pipeline components that differ.

    ``contributions`` + ``interaction`` sum to v(N) − v(∅): with exact Shapley the interaction is 0 (up to
    rounding); otherwise it is what the estimate cannot place (higher-order interactions), never spread.
    """

    method: str
    metric: str
    players: tuple[str, ...]
    runs: list[ComponentRun]
    contributions: dict[str, float]
    interaction: float
    v_current: float | None
    v_candidate: float | None
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> float:
        if self.v_current is None or self.v_candidate is None:
            return 0.0
        return self.v_candidate - self.v_current

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "metric": self.metric,
            "players": list(self.players),
            "runs": [r.to_json() for r in self.runs],
            "contributions": [{"component": c, "value": v} for c, v in self.contributions.items()],
            "interaction": self.interaction,
            "v_current": self.v_current,
            "v_candidate": self.v_candidate,
            "total": self.total,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class BrandMixRate:
    brand: str
    places_current: int
    places_candidate: int
    visits_current: float
    visits_candidate: float
    w_current: float
    w_candidate: float
    r_current: float
    r_candidate: float
    rate_part: float
    mix_part: float

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in (
            "brand", "places_current", "places_candidate", "visits_current", "visits_candidate",
            "w_current", "w_candidate", "r_current", "r_candidate", "rate_part", "mix_part")}


@dataclass(frozen=True)
class MixRate:
    """Kitagawa split of the change in the scope's visits per place into brand rate and brand mix.

    w_k = brand k's share of the scope's places, r_k = brand k's visits per place over the window, so
    R = Σ w_k r_k = the scope's visits per place. ΔR = rate_part + mix_part exactly, with
    rate_part = Σ (r₁−r₀)(w₀+w₁)/2 (brands' own visits per place moved) and
    mix_part = Σ (w₁−w₀)(r₀+r₁)/2 (the brands' weight among the places moved: openings, closings, relabels).
    A brand absent from one release takes the other release's rate, so its entry or exit is all mix.
    """

    value_current: float
    value_candidate: float
    rate_part: float
    mix_part: float
    brands: list[BrandMixRate]

    @property
    def change(self) -> float:
        return self.value_candidate - self.value_current

    def to_json(self) -> dict[str, Any]:
        return {
            "segments": "brand",
            "weight": "w = the brand's share of the scope's places",
            "rate": "r = the brand's visits per place over the window",
            "value": "R = sum w*r = the scope's visits per place",
            "value_current": self.value_current,
            "value_candidate": self.value_candidate,
            "change": self.change,
            "rate_part": self.rate_part,
            "mix_part": self.mix_part,
            "by_brand": [b.to_json() for b in self.brands],
        }


@dataclass(frozen=True)
class MatrixCell:
    region: str
    source: str
    visits_current: float
    visits_candidate: float

    @property
    def delta(self) -> float:
        return self.visits_candidate - self.visits_current

    def to_json(self) -> dict[str, Any]:
        return {"region": self.region, "source": self.source, "visits_current": self.visits_current,
                "visits_candidate": self.visits_candidate, "delta": self.delta}


@dataclass(frozen=True)
class Attribution:
    """Every attribution of one scope's delta between the current release and a candidate."""

    current: str
    candidate: str
    scope: str
    window: Window
    visits_current: float
    visits_candidate: float
    by_source: SourceSplit
    by_effect: EffectSplit
    root_causes: RootCauses
    by_component: ComponentAttribution
    mix_rate: MixRate

    @property
    def total_delta(self) -> float:
        return self.visits_candidate - self.visits_current

    def to_json(self) -> dict[str, Any]:
        rc = self.root_causes.to_json()
        return {
            "scope": self.scope,
            "current": self.current,
            "candidate": self.candidate,
            "window": self.window.to_dict(),
            "visits_current": self.visits_current,
            "visits_candidate": self.visits_candidate,
            "total_delta": self.total_delta,
            "by_source": self.by_source.to_json(),
            "by_effect": self.by_effect.to_json(),
            "root_causes": rc["root_causes"],
            "unexplained": rc["unexplained"],
            "root_cause_method": {k: v for k, v in rc.items() if k not in ("root_causes", "unexplained")},
            "by_component": self.by_component.to_json(),
            "mix_rate": self.mix_rate.to_json(),
        }


# ------------------------------------------------------------------------------ pure computations


def surprise(p: float, q: float) -> float:
    """One element's Jensen-Shannon term ½[p·log(2p/(p+q)) + q·log(2q/(p+q))] in bits; 0·log 0 = 0."""

    def term(x: float) -> float:
        return x * math.log(2 * x / (p + q), LOG_BASE) if x > 0 else 0.0

    return 0.5 * (term(p) + term(q))


def _is_zero_delta(a_total: float, b_total: float) -> bool:
    return abs(b_total - a_total) <= ZERO_DELTA_REL * (abs(a_total) + abs(b_total))


def score_elements(
    dimensions: tuple[str, ...],
    elements: Mapping[tuple[str, ...], tuple[float, float]],
    a_total: float,
    b_total: float,
) -> list[ElementScore]:
    """EP, absolute EP and surprise of every element of one dimension, most surprising first."""
    delta = b_total - a_total
    guarded = _is_zero_delta(a_total, b_total)
    sum_abs = sum(abs(b - a) for a, b in elements.values())
    out = []
    for values, (a, b) in elements.items():
        p = a / a_total if a_total > 0 else 0.0
        q = b / b_total if b_total > 0 else 0.0
        out.append(ElementScore(
            dimensions=dimensions, values=tuple(values), visits_current=float(a), visits_candidate=float(b),
            explanatory_power=None if guarded else (b - a) / delta,
            abs_explanatory_power=abs(b - a) / sum_abs if sum_abs > 0 else 0.0,
            surprise=surprise(p, q),
        ))
    out.sort(key=lambda e: (-e.surprise, -e.abs_explanatory_power, e.values))
    return out


def explanatory_set(scores: Sequence[ElementScore]) -> RootCause | None:
    """Adtributor's greedy step on one dimension's elements (sorted by surprise, descending).

    Each element with EP > TEEP joins; the set is complete once its summed EP exceeds TEP. When signed EP
    is undefined (no total change) absolute EP stands in for it.
    """
    chosen: list[ElementScore] = []
    cum = 0.0
    for e in scores:
        ep = e.explanatory_power if e.explanatory_power is not None else e.abs_explanatory_power
        if ep > TEEP:
            chosen.append(e)
            cum += ep
        if cum > TEP:
            return RootCause(dimensions=e.dimensions, elements=tuple(chosen))
    return None


def _pair_localises(pair: RootCause, singles: Sequence[RootCause | None]) -> bool:
    """PAIR_RULE: the pair's set beats both single-dimension sets by PAIR_GAIN and is no wider."""
    bar = max((s.surprise if s is not None else 0.0) for s in singles)
    sizes = [len(s.elements) for s in singles if s is not None]
    return pair.surprise > PAIR_GAIN * bar and (not sizes or len(pair.elements) <= max(sizes))


def adtributor(
    cubes: Mapping[tuple[str, ...], Mapping[tuple[str, ...], tuple[float, float]]],
    a_total: float,
    b_total: float,
    top_k: int = TOP_K,
) -> RootCauses:
    """Rank the explanatory sets of every dimension and pair of dimensions (see PAIR_RULE).

    ``cubes`` maps dimensions (one name or two) to their elements' (current, candidate) totals.
    A dimension with a single element in the scope explains nothing and is skipped, as is a pair with
    such a dimension.
    """
    live = {d for d, el in cubes.items() if len(d) == 1 and len(el) > 1}
    tables: dict[tuple[str, ...], list[ElementScore]] = {}
    found: dict[tuple[str, ...], RootCause] = {}
    for dims, elements in cubes.items():
        if not all((d,) in live for d in dims):
            continue
        scores = score_elements(dims, elements, a_total, b_total)
        tables[dims] = scores
        rc = explanatory_set(scores)
        if rc is not None:
            found[dims] = rc
    changed = any(abs(e.delta) > 0 for scores in tables.values() for e in scores) or not _is_zero_delta(a_total, b_total)
    candidates = []
    for dims, rc in found.items():
        if rc.surprise < MIN_SURPRISE:
            continue
        if len(dims) > 1 and not _pair_localises(rc, [found.get((d,)) for d in dims]):
            continue
        candidates.append(rc)
    candidates.sort(key=lambda r: (-r.surprise, len(r.dimensions), len(r.elements), r.dimensions))
    return RootCauses(
        sets=candidates[:top_k],
        unexplained=changed and not candidates,
        ep_guarded=_is_zero_delta(a_total, b_total),
        visits_current=float(a_total),
        visits_candidate=float(b_total),
        tables=tables,
        candidates=candidates,
    )


def exact_shapley(players: Sequence[str], v: Mapping[frozenset[str], float]) -> dict[str, float]:
    """φ_i = Σ_{S ⊆ N∖{i}} |S|!(n−|S|−1)!/n! · (v(S∪{i}) − v(S)), over every subset."""
    n = len(players)
    fact = [math.factorial(k) for k in range(n + 1)]
    out = {}
    for i in players:
        others = [p for p in players if p != i]
        total = 0.0
        for k in range(n):
            weight = fact[k] * fact[n - k - 1] / fact[n]
            for s in itertools.combinations(others, k):
                fs = frozenset(s)
                total += weight * (v[fs | {i}] - v[fs])
        out[i] = total
    return out


def shapley_from_runs(
    players: Sequence[str], v: Mapping[frozenset[str], float]
) -> tuple[str, dict[str, float], float]:
    """(method, contributions, interaction) from the values of the runs that exist.

    ``v`` must hold v(∅) and v(N). Exact Shapley with every subset; the paired one-at-a-time estimate
    ½[(v({i}) − v(∅)) + (v(N) − v(N∖{i}))] with both ends of every component; first-order effects
    v({i}) − v(∅) with only the forward runs; otherwise none. interaction = Δ − Σφ in every case.
    """
    empty, full = frozenset(), frozenset(players)
    delta = v[full] - v[empty]
    if not players:
        return "none", {}, delta
    subsets = [frozenset(s) for k in range(len(players) + 1) for s in itertools.combinations(players, k)]
    if all(s in v for s in subsets):
        phi = exact_shapley(players, v)
        method = "exact_shapley"
    elif all(frozenset({i}) in v and full - {i} in v for i in players):
        phi = {i: 0.5 * ((v[frozenset({i})] - v[empty]) + (v[full] - v[full - {i}])) for i in players}
        method = "paired"
    elif all(frozenset({i}) in v for i in players):
        phi = {i: v[frozenset({i})] - v[empty] for i in players}
        method = "first_order"
    else:
        return "none", {}, delta
    return method, phi, delta - sum(phi.values())


def kitagawa(rows: Sequence[Mapping[str, Any]]) -> MixRate:
    """Split the change in visits per place into rate and mix over brands (rows from attr_brand_mix)."""
    n0 = sum(int(r["places_current"]) for r in rows)
    n1 = sum(int(r["places_candidate"]) for r in rows)
    brands = []
    for r in rows:
        p0, p1 = int(r["places_current"]), int(r["places_candidate"])
        v0, v1 = float(r["visits_current"]), float(r["visits_candidate"])
        w0 = p0 / n0 if n0 else 0.0
        w1 = p1 / n1 if n1 else 0.0
        r0 = v0 / p0 if p0 else None
        r1 = v1 / p1 if p1 else None
        r0 = r0 if r0 is not None else (r1 if r1 is not None else 0.0)
        r1 = r1 if r1 is not None else r0
        brands.append(BrandMixRate(
            brand=str(r["brand"]), places_current=p0, places_candidate=p1, visits_current=v0,
            visits_candidate=v1, w_current=w0, w_candidate=w1, r_current=r0, r_candidate=r1,
            rate_part=(r1 - r0) * (w0 + w1) / 2, mix_part=(w1 - w0) * (r0 + r1) / 2,
        ))
    brands.sort(key=lambda b: -abs(b.rate_part + b.mix_part))
    return MixRate(
        value_current=sum(b.w_current * b.r_current for b in brands),
        value_candidate=sum(b.w_candidate * b.r_candidate for b in brands),
        rate_part=sum(b.rate_part for b in brands),
        mix_part=sum(b.mix_part for b in brands),
        brands=brands,
    )


# ------------------------------------------------------------------------------ session level


@dataclass(frozen=True)
class Cube:
    """A scope's visits per element of every dimension and pair, both releases (from attr_dimension_totals)."""

    visits_current: float
    visits_candidate: float
    cubes: dict[tuple[str, ...], dict[tuple[str, ...], tuple[float, float]]]

    def elements(self, *dimensions: str) -> dict[tuple[str, ...], tuple[float, float]]:
        return self.cubes.get(tuple(dimensions), {})


def _scope_def(scope: Scope, stakeholders: StakeholdersArg) -> ScopeDef:
    if isinstance(scope, ScopeDef):
        return scope
    if isinstance(stakeholders, (str, Path)):
        text = (scope or "").strip()
        stakeholders = load_stakeholders(stakeholders) if text.startswith(("customer:", "deal:")) else None
    return resolve_scope(scope, stakeholders)


def _ensure_prepared(session: PairSession, sd: ScopeDef) -> None:
    """Prepare the scope on the session unless it is; scopes prepared before are kept."""
    if sd.scope_id not in {d.scope_id for d in session.defs}:
        session.prepare([*session.defs, sd])


def dimension_cube(session: PairSession, sd: ScopeDef) -> Cube:
    """Element totals of every dimension and pair, per release, computed in SQL over the scope's members."""
    _ensure_prepared(session, sd)
    per_side: dict[str, list[dict[str, Any]]] = {}
    session.source_totals()
    for side in ("a", "b"):
        session.alias(side)
        per_side[side] = fetch_dicts(queries.run(session.cur, "attr_dimension_totals", scope_id=sd.scope_id))
    totals = {"a": 0.0, "b": 0.0}
    cubes: dict[tuple[str, ...], dict[tuple[str, ...], list[float]]] = {}
    for idx, side in enumerate(("a", "b")):
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


def source_split(cube: Cube, scope: str, total_delta: float) -> SourceSplit:
    rows = [SourceDelta(k[0], a, b, b - a) for k, (a, b) in cube.elements("source").items()]
    rows.sort(key=lambda r: (-abs(r.delta), r.source))
    return SourceSplit(scope=scope, total_delta=total_delta, rows=rows)


def effect_split(session: PairSession, sd: ScopeDef) -> EffectSplit:
    _ensure_prepared(session, sd)
    row = fetch_dicts(queries.run(session.cur, "attr_effect", scope_id=sd.scope_id))[0]
    return EffectSplit(
        added_places=float(row["added_places"]), dropped_places=float(row["dropped_places"]),
        common_places=float(row["common_places"]), common_visits_current=float(row["common_visits_current"]),
        common_visits_candidate=float(row["common_visits_candidate"]), places_added=int(row["places_added"]),
        places_dropped=int(row["places_dropped"]), places_common=int(row["places_common"]),
    )


def brand_mix_rate(session: PairSession, sd: ScopeDef) -> MixRate:
    _ensure_prepared(session, sd)
    return kitagawa(fetch_dicts(queries.run(session.cur, "attr_brand_mix", scope_id=sd.scope_id)))


def _segment_matters(cube: Cube) -> bool:
    return len(cube.elements("segment")) > 1


def root_causes_of(cube: Cube, pairs: bool = True) -> RootCauses:
    """Adtributor over the cube; segment only where more than one segment exists."""
    use = {}
    for dims, el in cube.cubes.items():
        if "segment" in dims and not _segment_matters(cube):
            continue
        if len(dims) > 1 and (not pairs or dims not in PAIRS):
            continue
        use[dims] = el
    return adtributor(use, cube.visits_current, cube.visits_candidate)


def matrix_of(cube: Cube) -> list[MatrixCell]:
    cells = [MatrixCell(k[1], k[0], a, b) for k, (a, b) in cube.elements("source", "region").items()]
    cells.sort(key=lambda c: (c.region, c.source))
    return cells


# ------------------------------------------------------------------------------ components


def _metric_name(metric: str) -> str:
    info = METRICS.get(metric)
    if info is None or not info.judgeable:
        known = ", ".join(m for m, i in METRICS.items() if i.judgeable)
        raise RelcheckError(f"unknown or non-scalar metric '{metric}' for attribution; use one of: {known}")
    return metric


def _metric_values(
    store: Store, current: str, other: str, defs: Sequence[ScopeDef], window: Window, metric: str
) -> dict[str, float | None]:
    """One metric of each scope between the current release and another, over the given window."""
    with PairSession(store, current, other) as s:
        s.window = window
        s.prepare(defs)
        out = {}
        for sm in metrics.compute(s):
            value = sm.values.get(metric)
            out[sm.scope.scope_id] = None if value is None else float(value)
    return out


def _covers(rel: Release, window: Window) -> bool:
    return (rel.first_date is not None and rel.last_date is not None
            and rel.first_date <= window.start.isoformat() and rel.last_date >= window.end.isoformat())


def component_runs(store: Store, current: str, candidate: str) -> tuple[tuple[str, ...], dict[frozenset[str], Release]]:
    """The players (components whose versions differ) and the ablation run of each swapped set.

    A run qualifies when its base is the current release and each component is at the current's or the
    candidate's version; S = the components at the candidate's version. Of several runs with the same S,
    the last ingested is used. ∅ is the current release and N the candidate themselves.
    """
    cur, cand = store.release(current), store.release(candidate)
    keys = sorted(set(cur.components) | set(cand.components))
    players = tuple(k for k in keys if cur.components.get(k) != cand.components.get(k))
    runs: dict[frozenset[str], Release] = {}
    for rel in store.releases():
        if rel.kind != "ablation" or rel.base != current or rel.release_id in (current, candidate):
            continue
        if set(rel.components) - set(keys):
            continue
        if any(rel.components.get(k) not in (cur.components.get(k), cand.components.get(k)) for k in keys):
            continue
        s = frozenset(k for k in players if rel.components.get(k) == cand.components.get(k))
        if s in (frozenset(), frozenset(players)):
            continue
        runs[s] = rel  # releases() is in ingest order: the last one wins
    return players, runs


def component_attributions(
    store: Store, current: str, candidate: str, defs: Sequence[ScopeDef], window: Window,
    metric: str = "delta", v_candidate: Mapping[str, float | None] | None = None,
) -> dict[str, ComponentAttribution]:
    """Shapley over the ablation runs for several scopes: v(S) = the metric between current and run S.

    One PairSession per run (all scopes prepared on it at once), over the current/candidate window; a run
    that does not cover that window is left out. For ``delta``, v(∅) = 0 needs no session.
    """
    metric = _metric_name(metric)
    players, found = component_runs(store, current, candidate)
    ids = [d.scope_id for d in defs]
    notes: list[str] = []
    v_empty = ({i: 0.0 for i in ids} if metric == "delta"
               else _metric_values(store, current, current, defs, window, metric))
    v_full = (dict(v_candidate) if v_candidate is not None
              else _metric_values(store, current, candidate, defs, window, metric))
    per_run: list[tuple[Release, frozenset[str], dict[str, float | None]]] = []
    for subset, rel in sorted(found.items(), key=lambda kv: (len(kv[0]), sorted(kv[0]))):
        if not _covers(rel, window):
            notes.append(f"run {rel.release_id} does not cover the window {window.start}..{window.end}; left out")
            continue
        per_run.append((rel, subset, _metric_values(store, current, rel.release_id, defs, window, metric)))
    if not players:
        notes.append("no component version differs between the two releases")
    out = {}
    for sid in ids:
        ve, vf = v_empty.get(sid), v_full.get(sid)
        runs = [ComponentRun(current, (), ve)]
        values: dict[frozenset[str], float] = {}
        for rel, subset, vals in per_run:
            val = vals.get(sid)
            runs.append(ComponentRun(rel.release_id, tuple(p for p in players if p in subset), val))
            if val is not None:
                values[subset] = val
        runs.append(ComponentRun(candidate, players, vf))
        scope_notes = list(notes)
        if ve is None or vf is None:
            scope_notes.append(f"metric {metric} cannot be computed for this scope (current or candidate)")
            out[sid] = ComponentAttribution("none", metric, players, runs, {}, 0.0, ve, vf, scope_notes)
            continue
        values[frozenset()] = ve
        values[frozenset(players)] = vf
        method, phi, interaction = shapley_from_runs(players, values)
        if method == "none" and players:
            scope_notes.append("not enough ablation runs: first order needs every current+{i} run, paired also "
                               "every candidate−{i} run, exact every subset")
        out[sid] = ComponentAttribution(method, metric, players, runs, phi, interaction, ve, vf, scope_notes)
    return out


def component_attribution(
    store: Store, current: str, candidate: str, sd: ScopeDef, window: Window, metric: str = "delta",
    v_candidate: float | None = None,
) -> ComponentAttribution:
    """Shapley over the ablation runs for one scope (see component_attributions)."""
    given = None if v_candidate is None else {sd.scope_id: v_candidate}
    return component_attributions(store, current, candidate, [sd], window, metric, given)[sd.scope_id]


# ------------------------------------------------------------------------------ public entry points


def _pair(store: Store, current: str | None, candidate: str | None) -> tuple[str, str]:
    return store.pair(current, candidate)


def attribute(
    store: Store,
    current: str | None = None,
    candidate: str | None = None,
    scope: Scope = "all",
    stakeholders: StakeholdersArg = None,
    metric: str = "delta",
) -> Attribution:
    """Every attribution of one scope's delta (sections 6's five lenses) for a release pair."""
    current, candidate = _pair(store, current, candidate)
    sd = _scope_def(scope, stakeholders)
    metric = _metric_name(metric)
    with PairSession(store, current, candidate) as s:
        s.prepare([sd])
        sm = metrics.compute(s)[0]
        va, vb = float(sm.values["visits_current"]), float(sm.values["visits_candidate"])
        cube = dimension_cube(s, sd)
        effect = effect_split(s, sd)
        mix = brand_mix_rate(s, sd)
        window = s.window
        v_full = sm.values.get(metric)
    comp = component_attribution(store, current, candidate, sd, window, metric,
                                 v_candidate=None if v_full is None else float(v_full))
    return Attribution(
        current=current, candidate=candidate, scope=sd.scope_id, window=window,
        visits_current=va, visits_candidate=vb,
        by_source=source_split(cube, sd.scope_id, vb - va), by_effect=effect,
        root_causes=root_causes_of(cube), by_component=comp, mix_rate=mix,
    )


def by_source(store: Store, current: str | None = None, candidate: str | None = None, scope: Scope = "all",
              stakeholders: StakeholdersArg = None) -> SourceSplit:
    """The source waterfall of one scope."""
    current, candidate = _pair(store, current, candidate)
    sd = _scope_def(scope, stakeholders)
    with PairSession(store, current, candidate) as s:
        cube = dimension_cube(s, sd)
    return source_split(cube, sd.scope_id, cube.visits_candidate - cube.visits_current)


def by_effect(store: Store, current: str | None = None, candidate: str | None = None, scope: Scope = "all",
              stakeholders: StakeholdersArg = None) -> EffectSplit:
    """Added, dropped and common places' parts of one scope's delta."""
    current, candidate = _pair(store, current, candidate)
    sd = _scope_def(scope, stakeholders)
    with PairSession(store, current, candidate) as s:
        return effect_split(s, sd)


def root_causes(store: Store, current: str | None = None, candidate: str | None = None, scope: Scope = "all",
                stakeholders: StakeholdersArg = None, pairs: bool = True) -> RootCauses:
    """Adtributor's top explanatory sets for one scope (single dimensions and, by default, pairs)."""
    current, candidate = _pair(store, current, candidate)
    sd = _scope_def(scope, stakeholders)
    with PairSession(store, current, candidate) as s:
        cube = dimension_cube(s, sd)
    return root_causes_of(cube, pairs=pairs)


def by_component(store: Store, current: str | None = None, candidate: str | None = None, scope: Scope = "all",
                 stakeholders: StakeholdersArg = None, metric: str = "delta") -> ComponentAttribution:
    """Shapley attribution of one scope's metric change to pipeline components, from ablation runs."""
    return by_component_many(store, current, candidate, [scope], stakeholders, metric)[_scope_def(scope, stakeholders).scope_id]


def by_component_many(store: Store, current: str | None = None, candidate: str | None = None,
                      scopes: Sequence[Scope] = ("all",), stakeholders: StakeholdersArg = None,
                      metric: str = "delta") -> dict[str, ComponentAttribution]:
    """by_component for several scopes at the cost of one PairSession per run (keyed by scope id)."""
    current, candidate = _pair(store, current, candidate)
    defs = list({sd.scope_id: sd for sd in (_scope_def(x, stakeholders) for x in scopes)}.values())
    with PairSession(store, current, candidate) as s:
        window = s.window
    return component_attributions(store, current, candidate, defs, window, metric)


def mix_rate(store: Store, current: str | None = None, candidate: str | None = None, scope: Scope = "all",
             stakeholders: StakeholdersArg = None) -> MixRate:
    """Kitagawa split of the change in the scope's visits per place (brand rate against brand mix)."""
    current, candidate = _pair(store, current, candidate)
    sd = _scope_def(scope, stakeholders)
    with PairSession(store, current, candidate) as s:
        return brand_mix_rate(s, sd)


def region_source_matrix(store: Store, current: str | None = None, candidate: str | None = None,
                         scope: Scope = "all", stakeholders: StakeholdersArg = None) -> list[MatrixCell]:
    """Delta per region × source of one scope, for the attribution heatmap."""
    current, candidate = _pair(store, current, candidate)
    sd = _scope_def(scope, stakeholders)
    with PairSession(store, current, candidate) as s:
        cube = dimension_cube(s, sd)
    return matrix_of(cube)


__all__ = [
    "Attribution", "ComponentAttribution", "EffectSplit", "MixRate", "RootCause", "RootCauses",
    "SourceSplit", "adtributor", "attribute", "by_component", "by_component_many", "by_effect", "by_source", "exact_shapley",
    "kitagawa", "mix_rate", "region_source_matrix", "root_causes", "shapley_from_runs", "surprise",
]
