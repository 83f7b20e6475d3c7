"""Suggested thresholds, pure arithmetic on values already computed (no store, no engine).

A threshold is stated in the form its criterion reads (``op``):

* ``between``: a half-width x around the metric's neutral value (bounds neutral − x .. neutral + x), so
  level_change_pct with x = 2 means −2 % .. +2 %;
* ``max``: the largest value allowed; ``min``: the smallest value allowed.

``by_history`` is the tightest threshold that held on at least ``share`` of the past pairs: with n pairs and
k = ceil(share · n), the k-th smallest |value − neutral| (between), the k-th smallest value (max) or the k-th
largest value (min). A pair whose value could not be computed never counts as held. ``by_noise`` is ``k``
times the noise floor, in the same form.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

Op = str  # "between" | "max" | "min"


def needed(share: float, n: int) -> int:
    """How many of n pairs must hold for a share (ceil, with a little slack for float products like 0.8·5)."""
    return max(1, math.ceil(share * n - 1e-9)) if n else 0


def by_history(values: Sequence[float | None], op: Op, neutral: float, share: float) -> float | None:
    """The tightest threshold that held on at least ``share`` of the pairs; None when too few values exist."""
    n = len(values)
    k = needed(share, n)
    known = [float(v) for v in values if v is not None and math.isfinite(v)]
    if k == 0 or len(known) < k:
        return None
    if op == "between":
        return sorted(abs(v - neutral) for v in known)[k - 1]
    if op == "max":
        return sorted(known)[k - 1]
    if op == "min":
        return sorted(known, reverse=True)[k - 1]
    raise ValueError(f"unknown op {op!r}")


def by_noise(floor: float | None, op: Op, neutral: float, multiple: float = 3.0) -> float | None:
    """``multiple`` times the noise floor, as a threshold of the form ``op``; None when the floor is unknown."""
    if floor is None:
        return None
    width = multiple * floor
    return {"between": width, "max": neutral + width, "min": neutral - width}[op]


def holds(value: float | None, threshold: float, op: Op, neutral: float) -> bool:
    """Whether a value is within a threshold of the form ``op`` (a value at the bound holds)."""
    if value is None or not math.isfinite(value):
        return False
    if op == "between":
        return abs(value - neutral) <= threshold
    return value <= threshold if op == "max" else value >= threshold


def bounds(threshold: float, op: Op, neutral: float) -> tuple[float | None, float | None]:
    """(min, max) of a criterion with this threshold, for snippets and charts."""
    if op == "between":
        return neutral - threshold, neutral + threshold
    return (None, threshold) if op == "max" else (threshold, None)
