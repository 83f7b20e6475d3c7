"""Names, labels and units of the consistency metrics (DESIGN section 5).

The names are identifiers used everywhere: JSON keys, criteria, column headers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class MetricInfo:
    name: str
    label: str
    unit: str
    # Whether a criterion may use it (scalar metrics only).
    judgeable: bool = True


METRICS: dict[str, MetricInfo] = {
    m.name: m
    for m in [
        MetricInfo("visits_current", "Visits, current", "visits"),
        MetricInfo("visits_candidate", "Visits, candidate", "visits"),
        MetricInfo("delta", "Delta (candidate − current)", "visits"),
        MetricInfo("level_change_pct", "Level change", "%"),
        MetricInfo("daily_corr", "Daily correlation", "r"),
        MetricInfo("weekly_growth_mae_pp", "Weekly growth error (MAE)", "pp"),
        MetricInfo("growth_sign_agreement", "Growth sign agreement", "share"),
        MetricInfo("max_share_shift_pp", "Max brand share shift", "pp"),
        MetricInfo("rank_corr", "Place rank correlation (Spearman)", "ρ"),
        MetricInfo("places_current", "Places, current", "places"),
        MetricInfo("places_candidate", "Places, candidate", "places"),
        MetricInfo("places_added", "Places added", "places"),
        MetricInfo("places_dropped", "Places dropped", "places"),
        # A pair [low, high]: read beside level_change_pct, not judged by criteria.
        MetricInfo("level_change_ci95_pct", "Level change 95% interval", "%", judgeable=False),
    ]
}

METRIC_NAMES: tuple[str, ...] = tuple(METRICS)


def label(name: str) -> str:
    info = METRICS.get(name)
    return f"{info.label} ({info.unit})" if info else name


def finite_number(value: Any) -> float | None:
    """A metric value as a plain float; None when it is missing, not a number or not finite.

    Booleans, lists and tuples (an interval) are not numbers here: ``float(True)`` would pass as 1.0.
    """
    if value is None or isinstance(value, bool | list | tuple):
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None
