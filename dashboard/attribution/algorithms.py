"""The attribution algorithms as pure functions over totals: Adtributor (root causes), Shapley over runs
(components), Kitagawa (brand mix against rate), and the splits read off a scope's dimension totals.

No SQL and no store here: every function takes numbers and returns a result of :mod:`.results`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any

from dashboard.attribution.results import (
    LOG_BASE,
    MIN_SURPRISE,
    PAIR_GAIN,
    PAIRS,
    TEEP,
    TEP,
    TOP_K,
    ZERO_DELTA_REL,
    BrandMixRate,
    Cube,
    ElementScore,
    MatrixCell,
    MixRate,
    RootCause,
    RootCauses,
    SourceDelta,
    SourceSplit,
)


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
    # fsum: the elements come in the engine's (thread-dependent) order; a plain sum's last bit would follow it.
    sum_abs = math.fsum(abs(b - a) for a, b in elements.values())
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
    # fsum: brands of equal size keep the engine's row order; the totals must not depend on it.
    return MixRate(
        value_current=math.fsum(b.w_current * b.r_current for b in brands),
        value_candidate=math.fsum(b.w_candidate * b.r_candidate for b in brands),
        rate_part=math.fsum(b.rate_part for b in brands),
        mix_part=math.fsum(b.mix_part for b in brands),
        brands=brands,
    )



def source_split(cube: Cube, scope: str, total_delta: float) -> SourceSplit:
    """The scope's delta per upstream source, largest |delta| first (the source dimension of its cube)."""
    rows = [SourceDelta(k[0], a, b, b - a) for k, (a, b) in cube.elements("source").items()]
    rows.sort(key=lambda r: (-abs(r.delta), r.source))
    return SourceSplit(scope=scope, total_delta=total_delta, rows=rows)


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
    """Delta per region x source, for the attribution heatmap."""
    cells = [MatrixCell(k[1], k[0], a, b) for k, (a, b) in cube.elements("source", "region").items()]
    cells.sort(key=lambda c: (c.region, c.source))
    return cells
