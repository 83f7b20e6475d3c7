"""What diverged at a scope's divergence onset: the date (:mod:`dashboard.engine.divergence`) and the segment
whose visits changed from it, as one line ("diverges from 2026-06-11 (candidate lower), sdk_beta in W").

In the week from the onset each cell (source × region × place of the scope) is expected to keep the ratio of
candidate to current it had in the BEFORE_DAYS days before it; the cell's *shift* is its candidate visits in
that week minus that expectation. A cell without current visits before the onset (a place only the candidate
lists) is expected to keep its share of the scope's current visits (0 if it had no candidate visits before
either, so a place opening at the onset shifts by all its visits). The line names the finest segment whose
shifts make up at least two thirds of the scope's, on the onset's side: one place, else a source in a region,
else a source or a region (never the whole scope); nothing when no segment does.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dashboard.engine.divergence import WEEK, Onset
from dashboard.engine.scopes import ScopeDef
from dashboard.engine.session import PairSession

#: The days before the onset a cell's usual ratio is measured over.
BEFORE_DAYS = 28
#: The share of the scope's shift a segment must make up to be named.
MIN_SHARE = 2 / 3
#: Finest first: a segment at an earlier level is named before any at a later one.
LEVELS: tuple[tuple[str, ...], ...] = (("place_id",), ("source", "region"), ("source",), ("region",))
ONSET_INPUTS = {"visits_a": "visits_a", "visits_b": "visits_b", "members_a": "members_a", "members_b": "members_b",
                "places_a": "places_a", "places_b": "places_b", "scope_defs": "scope_defs"}


@dataclass(frozen=True)
class OnsetStory:
    """A scope's divergence onset and what diverged: ``what`` (words) with ``share`` of the scope's shift, and
    ``shift`` (visits from the onset beyond the pre-onset ratio)."""

    onset: Onset
    what: str | None = None
    share: float | None = None
    shift: float | None = None

    @property
    def line(self) -> str:
        side = "candidate higher" if self.onset.direction > 0 else "candidate lower"
        what = f", {self.what}" if self.what else ""
        return f"diverges from {self.onset.diverges_from.isoformat()} ({side}){what}"

    def to_json(self) -> dict[str, Any]:
        return self.onset.to_json() | {"line": self.line, "what": self.what, "share_of_shift": self.share,
                                       "shift": self.shift}


def shift(row: Mapping[str, Any], scope_growth: float) -> float:
    """One cell's candidate visits from the onset beyond its pre-onset ratio to the current's; for a cell
    without current visits before, beyond its candidate visits before × ``scope_growth`` (the scope's current
    visits from the onset over those before it)."""
    a0, a1 = float(row["current_before"]), float(row["current_after"])
    b0, b1 = float(row["candidate_before"]), float(row["candidate_after"])
    return b1 - (b0 / a0 * a1 if a0 > 0 else b0 * scope_growth)


def what_diverged(cells: Sequence[Mapping[str, Any]], names: Mapping[str, str] | None = None,
                  direction: int = 0) -> tuple[str, float, float] | None:
    """The finest segment making up MIN_SHARE of the cells' total shift: (words, share, its shift), or None
    (also when the total shift goes against ``direction``, the onset's side, when one is given)."""
    before = math.fsum(float(c["current_before"]) for c in cells)
    growth = math.fsum(float(c["current_after"]) for c in cells) / before if before > 0 else 0.0
    shifts = [(c, shift(c, growth)) for c in cells]
    total = math.fsum(s for _, s in shifts)
    if total == 0 or not math.isfinite(total) or total * direction < 0:
        return None
    names = names or {}
    for level in LEVELS:
        sums: dict[tuple[str, ...], list[float]] = {}
        for c, s in shifts:
            sums.setdefault(tuple(str(c[d]) for d in level), []).append(s)
        if len(sums) == 1:
            continue  # one group is the whole scope: naming it says nothing
        best = max(((k, math.fsum(v)) for k, v in sums.items()), key=lambda kv: (kv[1] / total, kv[0]))
        share = best[1] / total
        if share >= MIN_SHARE:
            return _words(level, best[0], names), share, best[1]
    return None


def _words(level: Sequence[str], values: Sequence[str], names: Mapping[str, str]) -> str:
    by = dict(zip(level, values, strict=True))
    if "place_id" in by:
        return names.get(by["place_id"], by["place_id"])
    if "source" in by and "region" in by:
        return f"{by['source']} in {by['region']}"
    return f"source {by['source']}" if "source" in by else f"region {by['region']}"


def onset_story(session: PairSession, sd: ScopeDef, onset: Onset | None) -> OnsetStory | None:
    """The onset of one prepared scope and what diverged (one query over the scope's visit rows)."""
    if onset is None:
        return None
    day = onset.diverges_from
    cells = session.engine.run("attr_onset_cells", inputs=ONSET_INPUTS, scope_id=sd.scope_id, onset=day,
                               since=day - dt.timedelta(days=BEFORE_DAYS), until=day + dt.timedelta(days=WEEK), **session.wparams).dicts()
    found = what_diverged(cells, session.place_names(), onset.direction)
    if found is None:
        return OnsetStory(onset)
    words, share, moved = found
    return OnsetStory(onset, words, share, moved)
