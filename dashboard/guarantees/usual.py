"""A scope's usual movement: its noise floor and the range its metrics took over past release pairs.

For a review of current → candidate, the past pairs are the consecutive releases of kind "release" up to the
current one (the pair under review is not part of its own history). A value is **beyond its usual movement**
when it lies outside both the noise band (neutral ± floor) and the historical range: it moved more than
sampling alone would, and more than any past release did.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dashboard.engine import metrics
from dashboard.engine.noise import NoiseFloor, noise_floors
from dashboard.engine.scopes import ScopeDef
from dashboard.engine.session import PairSession
from dashboard.errors import RelcheckError
from dashboard.guarantees.backtest import history_pairs, release_history
from dashboard.metric_catalog import finite_number
from dashboard.stakeholders.model import NOISE_BOUNDS
from dashboard.store.catalog import Store

#: The metrics the Review scorecard marks a scope on.
MARKED: tuple[str, ...] = ("level_change_pct", "weekly_growth_mae_pp", "max_share_shift_pp")


@dataclass(frozen=True)
class Usual:
    """One metric's usual movement on one scope."""

    metric: str
    noise_floor: NoiseFloor
    low: float | None
    high: float | None
    pairs: int

    @property
    def band(self) -> tuple[float, float] | None:
        """neutral ± noise floor, or None when the floor is unknown."""
        if self.noise_floor.value is None or self.metric not in NOISE_BOUNDS:
            return None
        neutral = NOISE_BOUNDS[self.metric][0]
        return neutral - self.noise_floor.value, neutral + self.noise_floor.value

    def beyond(self, value: Any) -> bool:
        """Whether a value lies outside both the noise band and the historical range (False when neither is known)."""
        v = finite_number(value)
        spans = [s for s in (self.band, (self.low, self.high)) if s is not None and None not in s]
        if v is None or not spans:
            return False
        lo = min(float(s[0]) for s in spans)  # type: ignore[arg-type]
        hi = max(float(s[1]) for s in spans)  # type: ignore[arg-type]
        return v < lo or v > hi

    def to_json(self) -> dict[str, Any]:
        return {"metric": self.metric, "noise_floor": self.noise_floor.to_json(), "historical_low": self.low,
                "historical_high": self.high, "past_pairs": self.pairs}


def past_pairs(store: Store, current: str) -> list[tuple[str, str]]:
    """The consecutive release pairs ending at or before ``current``: none when it is the first release (its
    review has no past), all of them when it is not in the history (an ablation or replicate run)."""
    ids = release_history(store)
    pairs = history_pairs(store, ids)
    return pairs[: ids.index(current)] if current in ids else pairs


def usual_movement(store: Store, current: str, defs: Sequence[ScopeDef],
                   metric_names: Iterable[str] = tuple(NOISE_BOUNDS)) -> dict[str, dict[str, Usual]]:
    """scope id → metric → usual movement, for a review whose current release is ``current``."""
    names = [m for m in dict.fromkeys(metric_names) if m in NOISE_BOUNDS]
    defs = list({d.scope_id: d for d in defs}.values())
    floors = noise_floors(store, current, defs, names)
    history: dict[str, dict[str, list[float]]] = {d.scope_id: {m: [] for m in names} for d in defs}
    pairs = past_pairs(store, current)
    for a, b in pairs:
        for _, _, m, _ in _all_scopes(store, defs, a, b):
            if m is None:
                continue
            for name in names:
                v = finite_number(m.get(name))
                if v is not None:
                    history[m.scope.scope_id][name].append(v)
    out: dict[str, dict[str, Usual]] = {}
    for d in defs:
        row = {}
        for name in names:
            seen = history[d.scope_id][name]
            row[name] = Usual(name, floors[d.scope_id][name], min(seen) if seen else None,
                              max(seen) if seen else None, len(pairs))
        out[d.scope_id] = row
    return out


def _all_scopes(store: Store, defs: Sequence[ScopeDef], a: str, b: str) -> list[Any]:
    """Every scope's metrics on one pair, in one session; a pair without common dates gives none."""
    try:
        with PairSession(store, a, b) as session:
            session.prepare(list(defs))
            return [(a, b, m, None) for m in metrics.compute(session)]
    except RelcheckError as exc:
        return [(a, b, None, str(exc))]


def beyond_usual(usual: Mapping[str, Mapping[str, Usual]], values: Mapping[str, Mapping[str, Any]],
                 metric_names: Iterable[str] = MARKED) -> dict[str, list[str]]:
    """scope id → the metrics whose value (``values``: scope id → metric → value) is beyond its usual movement."""
    out: dict[str, list[str]] = {}
    for sid, row in values.items():
        hits = [m for m in metric_names if m in usual.get(sid, {}) and usual[sid][m].beyond(row.get(m))]
        if hits:
            out[sid] = hits
    return out
