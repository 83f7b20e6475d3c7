"""A comparison by place at any size: one range of places after another.

Why: a comparison by place has one scope per place. At 2,000,000 places its daily series per scope and its
metrics do not fit the memory budget at once (6 GB peak, then a full spill disk). A place scope's metrics
depend on that place's rows only, so the places are compared range by range (dashboard/engine/place_ranges.py)
in place_id order, the order of one comparison's rows, and each range's rows are handed on before the next is
computed.
"""

from __future__ import annotations

from collections.abc import Iterator

from dashboard.engine.metrics import Comparison, compare
from dashboard.engine.place_ranges import place_ranges
from dashboard.engine.session import PairSession
from dashboard.store.catalog import Store

#: A place scope costs about as much memory as this many groups of an aggregate: its daily series in both
#: releases and side by side, 91 days × 65 bytes each, joined in one query (series_daily), and its metrics in
#: Python. 10,000 places a range at the default budget. Measured at 2,000,000 places: 50,000 a range ran
#: out of DuckDB's share in series_daily's joins (sd_a and sd_b held 600 MB); 100,000 once passed, at 1.85 GB.
GROUPS_PER_PLACE_SCOPE = 120


def compare_by_place(store: Store, current: str | None, candidate: str | None) -> Iterator[Comparison]:
    """The comparison by place of two stored releases, as one Comparison per range of places (together, the
    rows of ``compare_releases(by="place")`` in the same order)."""
    current, candidate = store.pair(current, candidate)
    with PairSession(store, current, candidate) as session:
        parts = 0
        for places in place_ranges(session.engine, "places_b", GROUPS_PER_PLACE_SCOPE):
            defs = session.place_scopes(places)
            if defs:  # without scopes, prepare would compare every place
                parts += 1
                yield compare(session, defs, by_attribute="place", places=places)
        if not parts:  # no place in either release: no rows, but the releases and the window
            yield Comparison(session.a.label, session.b.label, session.window, [])
