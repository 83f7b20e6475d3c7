"""Divergence onset: the first date from which a scope's candidate and current diverge beyond their usual
day-to-day difference (README "Divergence onset").

"From when?" is what a sales engineer is asked about a prospect's numbers; a level shift present on every day
is answered by ``level_change_pct``, a change that starts mid-window only by a date. The rule is computed in
SQL (``queries/metrics_divergence.sql``) over the session's daily series of every prepared scope at once: one
query, whatever the number of scopes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from dashboard.engine.session import PairSession
from dashboard.sql.engine import Engine

#: The usual difference is measured over the window's first this many days (at most its first half).
EARLY_DAYS = 28
#: A day is beyond the usual difference when it is more than K robust standard deviations (1.4826 · MAD) away…
K = 4.0
#: …and at least this far (relative difference; 0.005 = half a percent of the day's visits), so that two
#: near-identical releases, whose daily differences have a MAD of ~0, do not diverge by rounding.
MIN_GAP = 0.005
#: The onset is the first beyond day from which at least RUN_DAYS of the 7 days starting with it are beyond
#: on the same side (the 7 is fixed in the query: one week, every weekday once).
RUN_DAYS = 5
WEEK = 7


@dataclass(frozen=True)
class Onset:
    """Where a scope's two releases part: the date, the side (+1 candidate above its usual difference, −1
    below), the usual relative difference (``base``) and the threshold a day had to pass."""

    scope_id: str
    diverges_from: dt.date
    direction: int
    base: float
    threshold: float

    def to_json(self) -> dict[str, Any]:
        return {"diverges_from": self.diverges_from.isoformat(), "direction": "up" if self.direction > 0 else "down",
                "usual_difference": self.base, "threshold": self.threshold}


def onsets(session: PairSession) -> dict[str, Onset]:
    """The onset of every prepared scope that has one (``session.prepare`` first), by scope id."""
    return onsets_of(session.engine, session.window.start, session.window.days)


def onsets_of(engine: Engine, start: dt.date, days: int, daily_series: str = "daily_series") -> dict[str, Onset]:
    """The onsets over any relation shaped like the session's daily series (scope_id, date, current,
    candidate; every one of the ``days`` days from ``start`` present), by scope id."""
    rows = engine.run("metrics_divergence", inputs={"daily_series": daily_series}, start=start, days=days,
                      early_days=EARLY_DAYS, k=K, min_gap=MIN_GAP, run_days=RUN_DAYS).dicts()
    return {r["scope_id"]: Onset(r["scope_id"], start + dt.timedelta(days=int(r["day_no"]) - 1), int(r["direction"]),
                                 float(r["base"]), float(r["threshold"])) for r in rows}


def iso(onset: Onset | None) -> str | None:
    """The onset date as an ISO string, None without one (what ``diverges_from`` holds in JSON)."""
    return onset.diverges_from.isoformat() if onset is not None else None
