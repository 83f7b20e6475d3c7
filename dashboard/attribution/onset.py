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
from dashboard.engine.place_ranges import PlaceRange, each_range, place_ranges
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


def what_diverged(levels: Sequence[Mapping[str, Any]], direction: int = 0) -> tuple[tuple[str, ...], tuple[str, ...], float, float] | None:
    """The finest segment making up MIN_SHARE of the scope's total shift, from attr_onset_levels' rows (one
    per level: its number of groups, its best group's keys, shift and share, and the total): (the level's
    dimensions, the group's values, share, its shift), or None (also when the total shift goes against
    ``direction``, the onset's side, when one is given)."""
    if not levels:
        return None
    total = levels[0]["total"]
    if total is None or total == 0 or not math.isfinite(total) or total * direction < 0:
        return None
    by_level = {int(r["level"]): r for r in levels}
    for number, level in enumerate(LEVELS, start=1):
        row = by_level.get(number)
        if row is None or row["groups"] == 1:
            continue  # one group is the whole scope: naming it says nothing
        if row["share"] >= MIN_SHARE:
            values = (row["k1"],) if len(level) == 1 else (row["k1"], row["k2"])
            return level, tuple(str(v) for v in values), float(row["share"]), float(row["shift"])
    return None


def words(level: Sequence[str], values: Sequence[str], names: Mapping[str, str]) -> str:
    """A segment in words: a place by its name, a source in a region, a source or a region."""
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
    eng = session.engine
    # The cells stay in the engine (a scope of every place has millions, every place × source): a table,
    # filled one range of places after another, summed per level there.
    sources = len(session.values("source")) or 1

    def cells(part: PlaceRange, first: bool) -> None:
        eng.materialise("onset_cells", "attr_onset_cells", inputs=ONSET_INPUTS, append=not first,
                        scope_id=sd.scope_id, onset=day, since=day - dt.timedelta(days=BEFORE_DAYS),
                        until=day + dt.timedelta(days=WEEK), lo=part[0], hi=part[1], **session.wparams)

    each_range(eng, "places_b", place_ranges(eng, "places_b", sources), cells)
    levels = eng.run("attr_onset_levels", inputs={"onset_cells": "onset_cells"}).dicts()
    found = what_diverged(levels, onset.direction)
    if found is None:
        return OnsetStory(onset)
    level, values, share, moved = found
    names = session.place_names() if "place_id" in level else {}
    return OnsetStory(onset, words(level, values, names), share, moved)
