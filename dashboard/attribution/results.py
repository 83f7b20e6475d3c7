"""Typed results of attribution (DESIGN section 6), each with ``to_json()``, and the method's settings they report.

Kept apart from the algorithms and the SQL so a page, a report or the gate can hold a result without the code
that made it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from dashboard.attribution.joint import JointExplanation
from dashboard.attribution.onset import OnsetStory
from dashboard.attribution.plain import Explanation
from dashboard.engine.session import Window

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
    "total_delta = added_places_delta + dropped_places_delta + common_places_delta, each term as it counts "
    "in the delta: added_places_delta = candidate visits of places only in the candidate's scope (>= 0), "
    "dropped_places_delta = minus the current visits of places only in the current's scope (<= 0), "
    "common_places_delta = change on places in both; places_added, places_dropped, places_common count them"
)




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
    """Coverage churn against level change: three signed terms that add up to the delta as they are
    (dropped places count negative, as a source that lost visits does in the by-source split)."""

    added_places_delta: float
    dropped_places_delta: float
    common_places_delta: float
    common_visits_current: float
    common_visits_candidate: float
    places_added: int
    places_dropped: int
    places_common: int

    @property
    def total(self) -> float:
        return self.added_places_delta + self.dropped_places_delta + self.common_places_delta

    def to_json(self) -> dict[str, Any]:
        return {
            "added_places_delta": self.added_places_delta,
            "dropped_places_delta": self.dropped_places_delta,
            "common_places_delta": self.common_places_delta,
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
    joint_explanation: JointExplanation
    onset: OnsetStory | None = None
    #: What stands out in the change, in plain words (README "Causes in plain words").
    explanation: Explanation | None = None

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
            "joint_explanation": self.joint_explanation.to_json(),
            "diverges_from": self.onset.onset.diverges_from.isoformat() if self.onset else None,
            "divergence": self.onset.to_json() if self.onset else None,
            "causes": self.explanation.to_json() if self.explanation else None,
        }



@dataclass(frozen=True)
class Cube:
    """A scope's visits per element of every dimension and pair, both releases (from attr_dimension_totals)."""

    visits_current: float
    visits_candidate: float
    cubes: dict[tuple[str, ...], dict[tuple[str, ...], tuple[float, float]]]

    def elements(self, *dimensions: str) -> dict[tuple[str, ...], tuple[float, float]]:
        return self.cubes.get(tuple(dimensions), {})

