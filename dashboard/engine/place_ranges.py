"""Ranges of places: a big release's per-place aggregates run one range of place ids after another.

Why: an aggregate of every place × source (8 M text-keyed groups at 2,000,000 places) does not spill within
DuckDB's share of the budget on two threads, and ends out of memory. Each range holds few enough groups. The
stored visits of a big release are written in place_id order (the ingest's parts of places), so a range's
filter on place_id skips the other row groups: the ranges cost about one scan, plus one footer read each.
The sums are per place, so they are the same as one query's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from dashboard.sql import budget

if TYPE_CHECKING:
    from dashboard.sql.engine import Engine

#: Groups (place × source or scope) one aggregate holds per GB of DuckDB's share and per thread: 1.2 M at the
#: default budget (two threads). Measured at 2,000,000 places: 2 M groups pass, 8 M run out of memory.
GROUPS_PER_GB = 2_000_000
#: A range filter's bounds: place_id >= lo AND (hi = '' OR place_id < hi). '' as lo takes every place from
#: the first; '' as hi, every place to the last (a range's real upper bound is a place_id greater than
#: another, so never '').
PlaceRange = tuple[str, str]
ALL_PLACES: PlaceRange = ("", "")
EVERY_PLACE: list[PlaceRange] = [ALL_PLACES]


def range_count(groups: int) -> int:
    """How many ranges an aggregate of ``groups`` groups runs in under the current budget (1: in one go)."""
    plan = budget.current()
    threads = plan.engine_threads()
    per_range = max(1, int(GROUPS_PER_GB * plan.engine_bytes / 10**9 / threads))
    return max(1, -(-groups // per_range))


def place_ranges(eng: Engine, places: str, groups_per_place: int) -> list[PlaceRange]:
    """Ranges of the places in relation ``places`` (lo, hi) for an aggregate of ``groups_per_place`` groups per
    place, in place_id order; every place_id, known or not, lies in exactly one of them."""
    count = int(eng.run("place_count", inputs={"places_in": places}).rows()[0][0])
    return split_places(eng, places, range_count(count * max(1, groups_per_place)))


def split_places(eng: Engine, places: str, ranges: int) -> list[PlaceRange]:
    """The places in relation ``places`` in ``ranges`` ranges of about equal counts, in place_id order."""
    if ranges <= 1:
        return list(EVERY_PLACE)
    bounds = [r[0] for r in eng.run("place_range_bounds", inputs={"places_in": places}, ranges=ranges).rows()]
    los, his = ["", *bounds], [*bounds, ""]
    return list(zip(los, his, strict=True))


#: How many times a range that runs out of memory is halved before the error stands (a 32nd of it).
MAX_HALVINGS = 5


def halve(eng: Engine, places: str, part: PlaceRange) -> list[PlaceRange]:
    """A range of the places in relation ``places`` in two of about equal counts (one when it holds one place)."""
    lo, hi = part
    inner = f"{places}_halved"
    eng.materialise(inner, "scope_places_in_range", inputs={"places_in": places}, lo=lo, hi=hi)  # a range's ids
    bounds = [r[0] for r in eng.run("place_range_bounds", inputs={"places_in": inner}, ranges=2).rows()]
    eng.drop(inner)
    if not bounds or bounds[0] == lo:
        return [part]
    return [(lo, bounds[0]), (bounds[0], hi)]


def each_range(eng: Engine, places: str, parts: list[PlaceRange], run: Callable[[PlaceRange, bool], None]) -> None:
    """``run(range, first)`` for each range in order (``first``: no range has written yet); a range whose
    aggregate runs out of memory is run again in halves, up to :data:`MAX_HALVINGS` times.

    Why: DuckDB's peak for the same aggregate varies from run to run with its threads' timing (measured: a chaos
    candidate's place-day sums at 2,000,000 places, 5.7 M groups a range, ran out in about one try of four),
    and a half needs about half the memory. A failed statement writes nothing, and the sums are per place, so
    halves give the same rows as the whole range.
    """
    written = False

    def one(part: PlaceRange, halvings: int) -> None:
        nonlocal written
        try:
            run(part, not written)
        except Exception as exc:
            if halvings >= MAX_HALVINGS or not budget.out_of_memory(exc):
                raise
            halves = halve(eng, places, part)
            if len(halves) < 2:
                raise
            for half in halves:
                one(half, halvings + 1)
            return
        written = True

    for part in parts:
        one(part, 0)
