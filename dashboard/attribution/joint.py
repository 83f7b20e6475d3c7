"""Joint explanation of a scope's delta (DESIGN section 6, issue 15): a few segments that together explain it.

Adtributor ranks one set per dimension by surprise; when a release carries several changes at once and
they partly cancel, it names the loudest and misses the rest. The joint explanation instead picks a small
set of segments, each one value of a dimension or a pair of values of two dimensions, whose changes
*together* account for the movement of the scope's finest cells, and reports each segment's contribution
and an unexplained remainder that sum exactly to the delta.

**Method** (``METHOD``): greedy selection by absolute movement explained, each cell counted once.

- Input: the scope's finest cells (one per combination of source, region, category, brand, segment), each
  with its visits in the current (``c``) and the candidate (``v``) release; ``Δ = v − c``; the scope's
  movement is ``M = Σ|Δ|`` over cells, so changes that cancel in the total still count.
- A segment explains a cell as a *uniform relative change* of the segment (the "ripple" assumption of
  HotSpot and Squeeze): ``Δ ≈ r·m`` with ``m = (c + v)/2``, the symmetric base, so a cell that appears
  (``c = 0``, a relabel's new home) or vanishes (``v = 0``) is explained as well as one that shrinks.
  ``r`` is fitted in L1 (the ``m``-weighted median of ``Δ/m``), and the segment's score is the movement
  it removes: ``Σ|Δ| − Σ|Δ − r·m|`` over its cells not yet assigned. Why not the raw ``Σ|Δ|`` of those
  cells: it grows with the size of the segment, so broad segments (a source holding half the visits, a
  category holding two brands that swapped visits) would win on noise and on movement inside them that
  cancels; the fit credits only movement the segment itself describes.
- Re-keyings: a relabel moves a brand's visits from (…, category=old, brand=b, …) cells, which vanish,
  to (…, category=new, brand=b, …) cells, which appear. Visits that vanish from a cell and appear in a
  cell with the same key but for one dimension d are matched; a candidate that does not fix d
  (brand=b) is credited with the matched movement of its cells, times the share of its visits that
  re-keyed (so a broad segment that merely contains a relabel, segment=commuters, earns little), and
  those cells are left out of its ripple fit. So a relabel is one segment (brand=b, delta ≈ 0), not two.
- Repeat up to ``max_segments`` times: take the candidate with the highest score; a pair is taken only
  when it scores more than ``pair_gain`` times each of its single parents (else the better parent is
  taken), and a pair whose cells are exactly a single value's (a brand inside one category) is never a
  candidate. The segment is assigned the open cells it explains: its re-keyed cells, and those whose
  movement its change at least halves (``|Δ − r·m| < ASSIGN_RESIDUAL·|Δ|``); its other cells stay open
  for a later segment (e.g. "region W scaled down" and, inside it, "source B lost devices in W" are
  both found). Cells that did not move stay open too: they count against any segment holding them.
  Stop when the best score is below ``min_share·M`` (1 %: the fit credits almost nothing to noise, so a
  low floor costs no precision in the benchmark and finds smaller changes). A segment is chosen once.
- Each segment's ``delta`` is the sum of Δ over its assigned cells, ``share_of_movement`` their Σ|Δ| over
  ``M``; ``unexplained`` is the Δ of the cells no segment was assigned. Every cell is assigned at most
  once, so ``Σ delta + unexplained = total delta`` exactly (up to float rounding; sums are ``math.fsum``).
- Ties: higher score, then one dimension before two, then dimension order, then values (as strings);
  cells are put in a canonical order first, so the result does not depend on the input order.

Pure Python and numpy; the caller (``attribute()``) feeds the cells from SQL. No pandas, no SQL here.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

METHOD = "greedy_absolute_movement"
#: The dimensions of a finest cell, in canonical order (the order of DIMENSIONS in attribution.core).
DIMENSIONS: tuple[str, ...] = ("source", "region", "category", "brand", "segment")
#: How many segments a reader can take in at once.
MAX_SEGMENTS = 5
#: A segment must explain at least this share of the scope's absolute movement to be reported (5 % lost
#: changes under 1 % noise in benchmarks/joint_explanation.py, 1 % kept precision at 100 %).
MIN_SHARE = 0.01
#: A pair of values is reported instead of its single parent only when it explains this many times more.
PAIR_GAIN = 1.25
#: A segment takes a cell only when its change leaves less than this share of the cell's movement.
ASSIGN_RESIDUAL = 0.5
CURRENT, CANDIDATE = "visits_current", "visits_candidate"


@dataclass(frozen=True)
class JointSegment:
    """One segment of the explanation: ``dimensions[i] = values[i]`` for every i (one or two)."""

    dimensions: tuple[str, ...]
    values: tuple[Any, ...]
    delta: float  # Σ Δ of the cells assigned to this segment
    share_of_movement: float  # Σ |Δ| of those cells over the scope's Σ |Δ|
    cells: int  # how many cells were assigned to it

    @property
    def label(self) -> str:
        return " ∧ ".join(f"{d}={v}" for d, v in zip(self.dimensions, self.values, strict=True))

    @property
    def scope(self) -> str:
        """The scope a reader opens to look closer: ``dimension:value`` of the first dimension (a pair
        has no scope of its own, so it links to its first value's: source, region, category...)."""
        return f"{self.dimensions[0]}:{self.values[0]}"

    def to_json(self) -> dict[str, Any]:
        return {"dimensions": list(self.dimensions), "values": list(self.values), "delta": self.delta,
                "share_of_movement": self.share_of_movement}


@dataclass(frozen=True)
class JointExplanation:
    """Segments in the order chosen (most movement first) and the remainder; they sum to ``total_delta``."""

    method: str
    segments: tuple[JointSegment, ...]
    unexplained: float
    total_delta: float
    total_movement: float  # Σ |Δ| over the cells

    @property
    def explained(self) -> float:
        return math.fsum(s.delta for s in self.segments)

    def to_json(self) -> dict[str, Any]:
        return {"method": self.method, "segments": [s.to_json() for s in self.segments],
                "unexplained": self.unexplained}


def _sort_key(value: Any) -> tuple[bool, str]:
    return (value is not None, str(value))


def _number(cell: Mapping[str, Any], name: str) -> float:
    x = float(cell.get(name) or 0.0)
    if not math.isfinite(x) or x < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {cell.get(name)!r}")
    return x


def _weighted_median(codes: np.ndarray, ratio: np.ndarray, weight: np.ndarray, n: int) -> np.ndarray:
    """Per group, the lower weighted median of ``ratio`` (the L1 fit of a uniform change); 0 if empty."""
    import numpy as np

    out = np.zeros(n)
    if codes.size == 0:
        return out
    order = np.lexsort((ratio, codes))
    k, t, w = codes[order], ratio[order], weight[order]
    cum = np.cumsum(w)
    start = np.searchsorted(k, np.arange(n), side="left")
    end = np.searchsorted(k, np.arange(n), side="right")
    present = end > start
    before = np.where(start > 0, cum[np.maximum(start - 1, 0)], 0.0)
    half = before + (cum[np.maximum(end - 1, 0)] - before) / 2.0
    # first position in the group whose cumulative weight reaches half of the group's weight
    pos = np.searchsorted(cum, half, side="left")
    pos = np.clip(np.maximum(pos, start), 0, k.size - 1)
    out[present] = t[pos[present]]
    return out


@dataclass(frozen=True)
class _Grouping:
    dims: tuple[int, ...]  # indices into the dimensions
    codes: np.ndarray  # per cell, the candidate it belongs to in this grouping
    values: list[tuple[Any, ...]]  # per candidate code, its values
    valid: np.ndarray  # per candidate code: a real candidate (not a copy of a single value's cells)


@dataclass(frozen=True)
class _Cells:
    keys: list[tuple[Any, ...]]
    cur: np.ndarray
    cand: np.ndarray
    groupings: list[_Grouping]
    siblings: dict[int, np.ndarray]  # per used dimension d: per cell, a code of its key without d


def _codes(column: list[Any]) -> tuple[np.ndarray, list[Any]]:
    import numpy as np

    vals = sorted(set(column), key=_sort_key)
    index = {v: i for i, v in enumerate(vals)}
    return np.fromiter((index[v] for v in column), dtype=np.int64, count=len(column)), vals


def _cells(cells: Iterable[Mapping[str, Any]], dims: Sequence[str]) -> _Cells:
    """Cells summed per key in a canonical order, and every candidate segment over them."""
    import numpy as np

    totals: dict[tuple[Any, ...], list[float]] = {}
    for cell in cells:
        key = tuple(cell.get(d) for d in dims)
        acc = totals.setdefault(key, [0.0, 0.0])
        acc[0] += _number(cell, CURRENT)
        acc[1] += _number(cell, CANDIDATE)
    keys = sorted(totals, key=lambda k: tuple(_sort_key(v) for v in k))
    cur = np.array([totals[k][0] for k in keys], dtype=float)
    cand = np.array([totals[k][1] for k in keys], dtype=float)
    coded = [_codes([k[j] for k in keys]) for j in range(len(dims))]
    # a dimension with one value is the whole scope: no candidate of its own, and no pair either
    used = [j for j in range(len(dims)) if len(coded[j][1]) > 1]
    groupings: list[_Grouping] = []
    single_counts: dict[int, np.ndarray] = {}
    for j in used:
        codes, vals = coded[j]
        single_counts[j] = np.bincount(codes, minlength=len(vals))
        groupings.append(_Grouping((j,), codes, [(v,) for v in vals], single_counts[j] > 0))
    for a, b in itertools.combinations(used, 2):
        nb = len(coded[b][1])
        present, inverse = np.unique(coded[a][0] * nb + coded[b][0], return_inverse=True)
        counts = np.bincount(inverse, minlength=present.size)
        ia, ib = present // nb, present % nb
        # a pair holding exactly the cells of one of its values says nothing more than that value
        valid = (counts != single_counts[a][ia]) & (counts != single_counts[b][ib])
        values = [(coded[a][1][x], coded[b][1][y]) for x, y in zip(ia.tolist(), ib.tolist(), strict=True)]
        groupings.append(_Grouping((a, b), inverse.astype(np.int64).ravel(), values, valid))
    siblings: dict[int, np.ndarray] = {}
    for d in used:
        rest = [coded[j][0] for j in range(len(dims)) if j != d]
        siblings[d] = (np.unique(np.stack(rest, axis=1), axis=0, return_inverse=True)[1].ravel().astype(np.int64)
                       if rest else np.zeros(len(keys), dtype=np.int64))
    return _Cells(keys, cur, cand, groupings, siblings)


def joint_explanation(
    cells: Iterable[Mapping[str, Any]],
    *,
    dimensions: Sequence[str] = DIMENSIONS,
    max_segments: int = MAX_SEGMENTS,
    min_share: float = MIN_SHARE,
    pair_gain: float = PAIR_GAIN,
) -> JointExplanation:
    """Explain the delta of ``cells`` (finest cells of one scope) by at most ``max_segments`` segments.

    Each cell maps every name in ``dimensions`` to its value (a missing name counts as the value None) and
    has ``visits_current`` and ``visits_candidate`` (>= 0). Cells with the same values are summed. See the
    module docstring for the method.
    """
    import numpy as np

    if max_segments < 0 or not 0 <= min_share <= 1 or pair_gain < 1:
        raise ValueError("max_segments >= 0, 0 <= min_share <= 1 and pair_gain >= 1 are required")
    dims = tuple(dimensions)
    data = _cells(cells, dims)
    cur, cand = data.cur, data.cand
    delta = cand - cur
    total_delta = math.fsum(delta.tolist())
    movement = np.abs(delta)
    total_movement = math.fsum(movement.tolist())
    if not data.keys or total_movement == 0.0:
        return JointExplanation(METHOD, (), total_delta, total_delta, total_movement)

    base = (cur + cand) / 2.0
    ratio = np.divide(delta, base, out=np.zeros_like(delta), where=base > 0)
    vanished = np.where((cand == 0) & (cur > 0), cur, 0.0)
    appeared = np.where((cur == 0) & (cand > 0), cand, 0.0)
    # cells that did not move stay open: they are the evidence against a change of a segment holding them
    open_cells = np.ones(len(data.keys), dtype=bool)
    chosen: set[tuple[int, int]] = set()  # (grouping index, candidate code)
    segments: list[JointSegment] = []
    floor = min_share * total_movement

    while len(segments) < max_segments and (open_cells & (movement > 0)).any():
        rekey = {d: _rekey_credit(sib, open_cells, vanished, appeared) for d, sib in data.siblings.items()}
        fits = [_fit(g, open_cells, rekey, ratio, base, delta, movement) for g in data.groupings]
        for gi, code in chosen:
            fits[gi].score[code] = -np.inf
        best = _best(data.groupings, fits)
        if best is None:
            break
        gi, code = best
        if len(data.groupings[gi].dims) == 2:
            gi, code = _prefer_parent(data.groupings, fits, chosen, gi, code, pair_gain)
        g, fit = data.groupings[gi], fits[gi]
        score = float(fit.score[code])
        if score < floor or score <= 0:
            break
        members = open_cells & (g.codes == code)
        helped = np.abs(delta - fit.r[code] * base) < ASSIGN_RESIDUAL * movement
        explained = members & ((fit.regular & helped) | fit.rekeyed)
        if not explained.any():
            break
        open_cells &= ~explained
        chosen.add((gi, code))
        segments.append(JointSegment(
            dimensions=tuple(dims[j] for j in g.dims),
            values=g.values[code],
            delta=math.fsum(delta[explained].tolist()),
            share_of_movement=math.fsum(movement[explained].tolist()) / total_movement,
            cells=int(explained.sum()),
        ))
    unexplained = math.fsum(delta[open_cells].tolist())
    return JointExplanation(METHOD, tuple(segments), unexplained, total_delta, total_movement)


def _rekey_credit(sibling: np.ndarray, open_cells: np.ndarray, vanished: np.ndarray,
                  appeared: np.ndarray) -> np.ndarray:
    """Per cell, the movement that is a re-keying along one dimension: visits that vanished from a cell
    and appeared in a cell with the same key but for that dimension (a relabel, a renamed brand)."""
    import numpy as np

    n = int(sibling.max()) + 1
    lost = np.bincount(sibling, weights=np.where(open_cells, vanished, 0.0), minlength=n)
    gained = np.bincount(sibling, weights=np.where(open_cells, appeared, 0.0), minlength=n)
    matched = np.minimum(lost, gained)
    share_lost = np.divide(matched, lost, out=np.zeros_like(matched), where=lost > 0)
    share_gained = np.divide(matched, gained, out=np.zeros_like(matched), where=gained > 0)
    credit = vanished * share_lost[sibling] + appeared * share_gained[sibling]
    return np.where(open_cells, credit, 0.0)


@dataclass
class _Fit:
    r: np.ndarray  # per candidate: the uniform relative change fitted on its regular open cells
    regular: np.ndarray  # per cell: open, moving and not re-keyed within this grouping's candidates
    rekeyed: np.ndarray  # per cell: open and re-keyed within its candidate (along a dimension not in it)
    score: np.ndarray  # per candidate: the movement it explains


def _fit(g: _Grouping, open_cells: np.ndarray, rekey: Mapping[int, np.ndarray], ratio: np.ndarray,
         base: np.ndarray, delta: np.ndarray, movement: np.ndarray) -> _Fit:
    """Score every candidate of a grouping on the open cells (see the module docstring)."""
    import numpy as np

    n = len(g.values)
    # a re-keying along a dimension the candidate fixes leaves it (category=old) and is not its own
    credits = [c for d, c in rekey.items() if d not in g.dims]
    credit = np.max(np.stack(credits), axis=0) if credits else np.zeros_like(movement)
    rekeyed = credit > 0
    regular = open_cells & (base > 0) & ~rekeyed
    r = _weighted_median(g.codes[regular], ratio[regular], base[regular], n)
    gain = np.where(regular, movement - np.abs(delta - r[g.codes] * base), 0.0)
    score = np.bincount(g.codes, weights=gain, minlength=n)
    if rekeyed.any():
        # a candidate earns a re-keying in proportion to the share of its visits that re-keyed, so a broad
        # segment that merely contains a relabel (segment=commuters, a whole source) does not earn it
        live = open_cells & (base > 0)
        moved = np.bincount(g.codes, weights=np.where(live & rekeyed, base, 0.0), minlength=n)
        whole = np.bincount(g.codes, weights=np.where(live, base, 0.0), minlength=n)
        share = np.divide(moved, whole, out=np.zeros(n), where=whole > 0)
        score += np.bincount(g.codes, weights=credit, minlength=n) * share
    score[~g.valid] = -np.inf
    return _Fit(r, regular, rekeyed, score)


def _best(groupings: list[_Grouping], fits: list[_Fit]) -> tuple[int, int] | None:
    """Highest score; ties to fewer dimensions, then dimension order, then values as strings."""
    import numpy as np

    best: tuple[Any, ...] | None = None
    for gi, (g, fit) in enumerate(zip(groupings, fits, strict=True)):
        if fit.score.size == 0:
            continue
        top = float(fit.score.max())
        if not math.isfinite(top):
            continue
        for code in np.flatnonzero(fit.score == top).tolist():
            key = (-top, len(g.dims), g.dims, tuple(_sort_key(v) for v in g.values[code]))
            if best is None or key < best[0]:
                best = (key, gi, code)
    return None if best is None else (best[1], best[2])


def _prefer_parent(groupings: list[_Grouping], fits: list[_Fit], chosen: set[tuple[int, int]], gi: int,
                   code: int, pair_gain: float) -> tuple[int, int]:
    """The better single parent of a pair unless the pair explains more than pair_gain times it."""
    g = groupings[gi]
    score = float(fits[gi].score[code])
    best: tuple[float, int, int] | None = None
    for pos, j in enumerate(g.dims):
        pj = next(i for i, h in enumerate(groupings) if h.dims == (j,))
        pcode = next(c for c, v in enumerate(groupings[pj].values) if v == (g.values[code][pos],))
        if (pj, pcode) in chosen:
            continue
        ps = float(fits[pj].score[pcode])
        if best is None or ps > best[0]:
            best = (ps, pj, pcode)
    if best is not None and best[0] > 0 and score <= pair_gain * best[0]:
        return best[1], best[2]
    return gi, code
