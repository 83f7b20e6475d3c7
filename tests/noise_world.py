"""A tiny store with a release history and replicates, for the noise floor, gate and backtest tests.

Three whole ISO weeks from Monday 2026-01-05, one region. Every release scales a fixed daily pattern W per
place, so every expected value is worked out by hand from the factors below.

    place  category   base visits/day      what it is
    g1     Grocery    100·W                a big, quiet scope
    g2     Grocery    100·W
    f1     Fitness    W                    a small, noisy scope (6 places' worth of a prospect)

Releases of kind "release", monthly (created_at order = the order of HISTORY): each is (grocery factor,
fitness factor) times the base. The last, "r5", is the current release; its replicates rep1..rep3 re-draw
it (same components): fitness moves by 8 %, −5 %, 3 %, grocery by 0.2 %, −0.1 %, 0.1 %. So the noise floor
of level_change_pct is 8.0 on category:Fitness and 0.2 on category:Grocery (the largest |deviation|).
Candidates of r5: "ok" (fitness +6 %, grocery +0.1 %: within 3× the floors) and "fault" (fitness −50 %),
stored as ablation runs so they stay out of the release history.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path
from typing import Any

from snapshots import COMPONENTS, daily_rows, write_snapshot

from dashboard.store.catalog import Store
from dashboard.store.ingest import ingest_release

START = "2026-01-05"
W = [10.0 + (i % 7) for i in range(21)]
PLACES = [
    {"place_id": "g1", "name": "g1", "brand": "FreshCo", "category": "Grocery", "region": "NE"},
    {"place_id": "g2", "name": "g2", "brand": "ValueMart", "category": "Grocery", "region": "NE"},
    {"place_id": "f1", "name": "f1", "brand": "PacificFit", "category": "Fitness", "region": "NE"},
]
#: release id -> (grocery factor, fitness factor); created monthly in this order.
HISTORY: dict[str, tuple[float, float]] = {
    "r1": (1.00, 1.00), "r2": (1.01, 0.90), "r3": (0.98, 1.10), "r4": (0.985, 1.02), "r5": (1.00, 1.00),
}
REPLICATES: dict[str, tuple[float, float]] = {"rep1": (1.002, 1.08), "rep2": (0.999, 0.95), "rep3": (1.001, 1.03)}
CANDIDATES: dict[str, tuple[float, float]] = {"ok": (1.001, 1.06), "fault": (1.001, 0.50)}
CURRENT = "r5"
FLOOR = {"category:Fitness": 8.0, "category:Grocery": 0.2}


def visits(grocery: float, fitness: float) -> list[dict[str, Any]]:
    """The rows of one release; raw panel visits are a tenth of the visits, rounded (for the Poisson interval)."""
    rows = (daily_rows("g1", START, [100 * grocery * x for x in W])
            + daily_rows("g2", START, [100 * grocery * x for x in W])
            + daily_rows("f1", START, [fitness * x for x in W]))
    return [{**r, "raw_visits": round(r["visits"] / 10)} for r in rows]


def level(a: tuple[float, float], b: tuple[float, float], which: int) -> float:
    """level_change_pct of a category between two factor pairs (both grocery places share the factor)."""
    return 100.0 * (b[which] - a[which]) / a[which]


def _build(root: Path) -> Store:
    store = Store(root / "store")
    month = 1
    for rid, factors in HISTORY.items():
        folder = write_snapshot(root / rid, rid, visits(*factors), PLACES,
                                created_at=f"2026-{month:02d}-20T10:00:00Z")
        ingest_release(store, folder)
        month += 1
    for i, (rid, factors) in enumerate(REPLICATES.items()):
        folder = write_snapshot(root / rid, rid, visits(*factors), PLACES, kind="replicate", base=CURRENT,
                                created_at=f"2026-05-21T1{i}:00:00Z", components=dict(COMPONENTS))
        ingest_release(store, folder)
    for i, (rid, factors) in enumerate(CANDIDATES.items()):
        folder = write_snapshot(root / rid, rid, visits(*factors), PLACES, kind="ablation", base=CURRENT,
                                created_at=f"2026-06-2{i}T10:00:00Z")
        ingest_release(store, folder)
    store.promote(CURRENT, by="tests", reason="noise world")
    return store


@functools.cache
def noise_store() -> Store:
    """The store, built once per test process (read it, never write to it: copy it first)."""
    root = Path(tempfile.mkdtemp(prefix="relcheck-noise-world-"))
    atexit.register(shutil.rmtree, root, True)
    return _build(root)
