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
    # What it measures, why it matters, what a good value is: the help a product manager reads.
    help: str = ""


METRICS: dict[str, MetricInfo] = {
    m.name: m
    for m in [
        MetricInfo(
            "visits_current", "Visits, current", "visits",
            help="Estimated visits in the scope over the common window, in the release in production. "
            "The baseline every comparison starts from.",
        ),
        MetricInfo(
            "visits_candidate", "Visits, candidate", "visits",
            help="Estimated visits in the scope over the common window, in the candidate release. "
            "Read it beside the current figure; absolute levels are not trusted, their difference is.",
        ),
        MetricInfo(
            "delta", "Visit change", "visits",
            help="Candidate visits minus current visits over the common window (candidate − current). Shows the size of the move "
            "in visits; a good value is small next to the scope's visits (see Level change).",
        ),
        MetricInfo(
            "level_change_pct", "Level change", "%",
            help="How much the scope's total visits move from current to candidate, in percent. Every "
            "customer comparison built on absolute numbers shifts by this much. Good: within a few "
            "percent (0 is identical).",
        ),
        MetricInfo(
            "daily_corr", "Daily correlation", "r",
            help="How closely the candidate's day-to-day ups and downs follow the current release "
            "(Pearson r, −1 to 1). Dashboards showing daily footfall change shape when it drops. "
            "Good: 0.95 or more.",
        ),
        MetricInfo(
            "weekly_growth_mae_pp", "Weekly growth error", "pp",
            help="Average gap between the two releases' week-on-week growth, in percentage points. "
            "Customers read trends; a large gap means a trend they saw changes. Good: under 1 pp.",
        ),
        MetricInfo(
            "growth_sign_agreement", "Growth direction agreement", "share",
            help="Share of weeks where both releases agree that visits went up (or down), 0 to 1. A "
            "disagreement turns a reported rise into a fall. Good: 1.0 (every week agrees).",
        ),
        MetricInfo(
            "max_share_shift_pp", "Largest brand share shift", "pp",
            help="The largest change of any brand's share of the scope's visits, in percentage points. "
            "Moves 'my stores against competitors'. Good: under 0.5 pp.",
        ),
        MetricInfo(
            "rank_corr", "Place ranking agreement", "ρ",
            help="How well the two releases agree on which places are busiest (Spearman rank correlation, "
            "−1 to 1). Top-store lists and league tables change when it drops. Good: 0.95 or more.",
        ),
        MetricInfo(
            "places_current", "Places, current", "places",
            help="Places of the scope with visits in the current release.",
        ),
        MetricInfo(
            "places_candidate", "Places, candidate", "places",
            help="Places of the scope with visits in the candidate release.",
        ),
        MetricInfo(
            "places_added", "Places added", "places",
            help="Places with visits only in the candidate (opened, newly matched or re-keyed). They add "
            "visits that were not there before. Good: only the openings you expect.",
        ),
        MetricInfo(
            "places_dropped", "Places dropped", "places",
            help="Places with visits only in the current release (closed, lost or re-keyed). Their visits "
            "disappear from the candidate. Good: only the closures you expect.",
        ),
        # A pair [low, high]: read beside level_change_pct, not judged by criteria.
        MetricInfo(
            "level_change_ci95_pct", "Level change 95% interval", "%", judgeable=False,
            help="The range the level change could take from sampling noise alone (95 %). A level change "
            "inside it may be noise.",
        ),
    ]
}

METRIC_NAMES: tuple[str, ...] = tuple(METRICS)

#: Units written after a label. Counts say theirs in the label ("Visits, current", "Places added") and
#: correlations and shares have none a reader needs, so a unit is never shown twice.
_SHOWN_UNITS = ("%", "pp")


def label(name: str) -> str:
    """The metric's readable label with its unit once: ``Level change (%)``, ``Places added`` (not "(places)")."""
    info = METRICS.get(name)
    if info is None:
        return name
    return f"{info.label} ({info.unit})" if info.unit in _SHOWN_UNITS else info.label


def short_label(name: str) -> str:
    """The label without its unit, where the value beside it carries the unit (a tile shows ``+1.25 %``)."""
    info = METRICS.get(name)
    return info.label if info else name


def help_text(name: str) -> str:
    """What a metric measures, why it matters and what a good value is (its name when it is unknown)."""
    info = METRICS.get(name)
    return info.help if info and info.help else name


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
