"""The noise floor of a scope's metric: how far it moves when nothing but the random draws change.

A **replicate** re-runs a release with the same components and another random seed (manifest kind
"replicate", ``base`` = the release). Comparing the base with each replicate, like any other comparison,
gives one *deviation* per replicate: the metric's value minus its value when nothing changed (0 for a delta,
1 for a correlation; :data:`~dashboard.stakeholders.model.NOISE_BOUNDS`). The noise floor is

* ``replicates``: the largest absolute deviation when there are fewer than :data:`QUANTILE_FROM` replicates,
  else the 95th percentile (nearest rank) of the absolute deviations;
* ``poisson`` (no replicate, ``level_change_pct`` only): the larger bound, in absolute value, of the 95 %
  Poisson interval of the level change between two draws of the base release
  (:func:`~dashboard.engine.metrics.level_change_ci95` with the base on both sides);
* ``none``: unknown (no replicate, and no Poisson interval for this metric or scope); its ``reason`` says why.

It sits in the engine so the gate (noise-relative criteria) and everything above can use it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dashboard.engine import metrics
from dashboard.engine.scopes import ScopeDef
from dashboard.engine.session import PairSession, Window
from dashboard.metric_catalog import finite_number
from dashboard.stakeholders.model import NOISE_BOUNDS
from dashboard.store.catalog import Store

#: From this many replicates on, the floor is the 95th percentile of the deviations rather than their maximum.
QUANTILE_FROM = 10
QUANTILE = 0.95
METHODS = ("replicates", "poisson", "none")


@dataclass(frozen=True)
class NoiseFloor:
    """One scope's noise floor for one metric, with the method that gave it."""

    metric: str
    value: float | None
    method: str
    replicates: int = 0
    base: str | None = None
    deviations: tuple[float | None, ...] = field(default=())
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "method": self.method, "replicates": self.replicates}

    def describe(self) -> str:
        """A short phrase for notes: ``1.23 (3 replicates of 2026.10.0)``."""
        if self.value is None:
            return f"unknown ({self.reason})" if self.reason else "unknown"
        if self.method == "replicates":
            return f"{self.value:.4g} ({self.replicates} replicates of {self.base})"
        return f"{self.value:.4g} (95% Poisson interval of the level, no replicates of {self.base})"


def floor_of(deviations: Iterable[float | None]) -> float | None:
    """The noise floor of some deviations: max |d| below QUANTILE_FROM values, else the nearest-rank 95th
    percentile of |d|. A deviation that could not be computed (None) makes the floor unknown."""
    values = list(deviations)
    if not values or any(d is None or not math.isfinite(d) for d in values):
        return None
    mags = sorted(abs(float(d)) for d in values)  # type: ignore[arg-type]
    if len(mags) < QUANTILE_FROM:
        return mags[-1]
    return mags[max(0, math.ceil(QUANTILE * len(mags)) - 1)]


def deviation(metric: str, value: Any) -> float | None:
    """A metric's value minus its value when nothing changed; None when it has none or no neutral value."""
    v = finite_number(value)
    if metric not in NOISE_BOUNDS or v is None:
        return None
    return float(v) - NOISE_BOUNDS[metric][0]


def poisson_floor(visits: float | None, raw: float | None) -> float | None:
    """The level's Poisson noise floor: max |bound| of the 95 % interval of level_change_pct between two
    draws of the same release (its visits and raw visits on both sides)."""
    if not visits or raw is None:
        return None
    ci = metrics.level_change_ci95(float(visits), float(visits), raw, raw)
    return None if ci is None else max(abs(ci[0]), abs(ci[1]))


def replicates_of(store: Store, release_id: str) -> list[str]:
    """The stored replicates of a release, oldest first (by created_at, then ingest order)."""
    reps = [r for r in store.releases() if r.kind == "replicate" and r.base == release_id]
    return [r.release_id for r in sorted(reps, key=lambda r: (r.created_at, r.sequence))]


def replicate_values(store: Store, base: str, defs: Sequence[ScopeDef], window: Window | None = None
                     ) -> dict[str, list[metrics.ScopeMetrics]]:
    """Every metric of every scope, base → each replicate (one comparison each), by scope id."""
    out: dict[str, list[metrics.ScopeMetrics]] = {d.scope_id: [] for d in defs}
    for rep in replicates_of(store, base):
        with PairSession(store, base, rep, window=window) as session:
            session.prepare(list(defs))
            for m in metrics.compute(session):
                out[m.scope.scope_id].append(m)
    return out


def self_values(store: Store, base: str, defs: Sequence[ScopeDef], window: Window | None = None
                ) -> dict[str, metrics.ScopeMetrics]:
    """The base compared with itself: its visits and raw visits per scope, for the Poisson fallback."""
    with PairSession(store, base, base, window=window) as session:
        session.prepare(list(defs))
        return {m.scope.scope_id: m for m in metrics.compute(session)}


def noise_floors(
    store: Store,
    base: str,
    defs: Sequence[ScopeDef],
    metric_names: Iterable[str],
    *,
    window: Window | None = None,
    base_metrics: Mapping[str, metrics.ScopeMetrics] | None = None,
) -> dict[str, dict[str, NoiseFloor]]:
    """The noise floor of each metric on each scope (scope id → metric → floor), for release ``base``.

    ``window``: the dates compared (default: the base's own); ``base_metrics``: per scope id, metrics of a
    comparison whose current side is ``base`` (its ``visits_current`` and raw visits serve the Poisson
    fallback, saving a pass over the data). Metrics without a neutral value get method ``none``.
    """
    names = list(dict.fromkeys(metric_names))
    defs = list({d.scope_id: d for d in defs}.values())
    reps = replicates_of(store, base)
    per_rep = replicate_values(store, base, defs, window) if reps else {}
    own: Mapping[str, metrics.ScopeMetrics] | None = base_metrics
    if not reps and "level_change_pct" in names and own is None:
        own = self_values(store, base, defs, window)
    out: dict[str, dict[str, NoiseFloor]] = {}
    for d in defs:
        row: dict[str, NoiseFloor] = {}
        for name in names:
            if name not in NOISE_BOUNDS:
                row[name] = NoiseFloor(name, None, "none", base=base,
                                       reason=f"{name} is a total, not a change: it has no noise floor")
            elif reps:
                devs = tuple(deviation(name, m.get(name)) for m in per_rep.get(d.scope_id, []))
                value = floor_of(devs)
                row[name] = NoiseFloor(name, value, "replicates", len(reps), base, devs,
                                       None if value is not None else
                                       f"{name} cannot be computed between {base} and a replicate on this scope")
            elif name == "level_change_pct" and own is not None and d.scope_id in own:
                m = own[d.scope_id]
                value = poisson_floor(m.get("visits_current"), m.extra.get("raw_current"))
                row[name] = NoiseFloor(name, value, "poisson" if value is not None else "none", 0, base,
                                       reason=None if value is not None else
                                       "no replicates, and no raw visits for a Poisson interval")
            else:
                row[name] = NoiseFloor(name, None, "none", 0, base,
                                       reason=f"no replicates of {base} in the store (the Poisson fallback "
                                              "covers level_change_pct only)")
        out[d.scope_id] = row
    return out
