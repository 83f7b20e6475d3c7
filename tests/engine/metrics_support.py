"""Helpers of the metrics tests: tolerances, snapshot pairs ingested into a store, random release pairs."""

from __future__ import annotations

import datetime as dt
import math
import random
from pathlib import Path
from typing import Any

import metrics_reference as ref
from snapshots import write_snapshot

from dashboard.engine.metrics import ScopeMetrics, compare_releases
from dashboard.metric_catalog import METRIC_NAMES
from dashboard.stakeholders.model import Customer, Deal, Stakeholders
from dashboard.store.catalog import Store
from dashboard.store.ingest import ingest_release

REL = 1e-9
# Values that are differences or ratios of sums can sit near 0, where a relative bound means nothing:
# those metrics get an absolute floor in their own unit (pp, r, share) on top of the 1e-9 relative bound.
ABS_FLOOR = 1e-9
LEVEL = ("visits_current", "visits_candidate", "delta")
COUNTS = ("places_current", "places_candidate", "places_added", "places_dropped")
CI = "level_change_ci95_pct"
BY_KINDS = (None, "customer", "deal", "category", "region", "brand", "source", "segment", "place")


# ----------------------------------------------------------------------------------------- helpers
def close(engine: float, expected: float, floor: float = ABS_FLOOR) -> bool:
    return abs(engine - expected) <= REL * max(abs(engine), abs(expected)) + floor


def assert_metrics(engine: dict[str, Any], expected: dict[str, Any], label: str = "") -> None:
    """Every metric of section 5 equal to 1e-9 relative; None where the expected value is None."""
    scale = max(abs(expected["visits_current"]), abs(expected["visits_candidate"]), 1.0)
    for name in METRIC_NAMES:
        e, x = engine[name], expected[name]
        where = f"{label} {name}: engine {e!r}, expected {x!r}"
        if x is None or e is None:
            assert e is None and x is None, where
        elif name in COUNTS:
            assert e == x, where
        elif name == CI:
            assert len(e) == 2 and all(close(a, b) for a, b in zip(e, x, strict=True)), where
        elif name in LEVEL:
            # A sum of many rows in another order: relative to the scope's visits.
            assert close(e, x, floor=REL * scale), where
        else:
            assert close(e, x), where


def snapshot_pair(
    tmp_path: Path,
    store: Store,
    visits_a: list[dict[str, Any]],
    places_a: list[dict[str, Any]],
    visits_b: list[dict[str, Any]],
    places_b: list[dict[str, Any]] | None = None,
    ids: tuple[str, str] = ("A", "B"),
) -> tuple[ref.Snapshot, ref.Snapshot]:
    """Write and ingest two releases (A current, B the default candidate); the reference reads the files."""
    fa = write_snapshot(tmp_path / f"snap_{ids[0]}", ids[0], visits_a, places_a, created_at="2026-11-01T00:00:00Z")
    fb = write_snapshot(tmp_path / f"snap_{ids[1]}", ids[1], visits_b, places_b if places_b is not None else places_a,
                        created_at="2026-11-20T00:00:00Z")
    ingest_release(store, fa)
    ingest_release(store, fb)
    return ref.read_snapshot(fa), ref.read_snapshot(fb)


def engine_all(store: Store, stakeholders: Stakeholders | None, current: str = "A",
               candidate: str = "B") -> dict[str, dict[str, Any]]:
    """Every scope of every --by kind, by scope string."""
    out: dict[str, dict[str, Any]] = {}
    for by in BY_KINDS:
        comp = compare_releases(store, current, candidate, by=by, stakeholders=stakeholders)
        for sid, m in comp.by_scope_id().items():
            out[sid] = m.values
    return out


def one(store: Store, scope: str, stakeholders: Stakeholders | None = None, current: str = "A",
        candidate: str = "B") -> ScopeMetrics:
    comp = compare_releases(store, current, candidate, scope=scope, stakeholders=stakeholders)
    assert len(comp.scopes) == 1
    return comp.scopes[0]


def place(pid: str, brand: str | None = "Acme", category: str = "Grocery", region: str = "NE") -> dict[str, Any]:
    return {"place_id": pid, "name": f"Place {pid}", "brand": brand, "category": category, "region": region}


def days(start: str, n: int) -> list[dt.date]:
    d0 = dt.date.fromisoformat(start)
    return [d0 + dt.timedelta(days=i) for i in range(n)]


# ---------------------------------------------------------------------------- randomized fixtures
BRANDS = ["Acme", "Bolt", "Core", None]
CATEGORIES = ["Grocery Stores", "Fitness Centers", "Cafes"]
REGIONS = ["NE", "W", "S"]


def random_release_pair(seed: int) -> dict[str, Any]:
    """Two releases of a small random world: different date ranges, sources, segments, places, labels."""
    rng = random.Random(seed)
    universe = []
    for i in range(rng.randint(7, 13)):
        universe.append(place(f"p{i:02d}", rng.choice(BRANDS), rng.choice(CATEGORIES), rng.choice(REGIONS)))
    ids = [p["place_id"] for p in universe]
    only_a = set(rng.sample(ids, 2))
    only_b = set(rng.sample([i for i in ids if i not in only_a], 2))
    places_a = [dict(p) for p in universe if p["place_id"] not in only_b]
    places_b = [dict(p) for p in universe if p["place_id"] not in only_a]
    # Relabels: a place changes category (and one its brand, one its region) in the candidate.
    common = [p for p in places_b if p["place_id"] not in only_b]
    for p in rng.sample(common, 2):
        p["category"] = rng.choice([c for c in CATEGORIES if c != p["category"]])
    rng.choice(common)["brand"] = rng.choice(BRANDS)
    rng.choice(common)["region"] = rng.choice(REGIONS)

    base = dt.date(2026, 1, 1)
    start_a, start_b = base + dt.timedelta(days=rng.randint(0, 9)), base + dt.timedelta(days=rng.randint(0, 9))
    len_a, len_b = rng.randint(22, 50), rng.randint(22, 50)
    sources_a = ["sdk_a", "sdk_b"] + (["bid_c"] if rng.random() < 0.5 else [])
    sources_b = ["sdk_a", "sdk_b", "bid_c"] if rng.random() < 0.7 else ["sdk_a", "panel_d"]
    segments = [None] if rng.random() < 0.4 else ["young", "old"] + ([None] if rng.random() < 0.5 else [])
    raw_a, raw_b = rng.random() < 0.85, rng.random() < 0.85
    level = {pid: rng.choice([0.5, 3, 20, 150, 2000]) for pid in ids}
    integer_values = rng.random() < 0.3  # ties between places and days

    def release(places: list[dict[str, Any]], start: dt.date, n: int, sources: list[str], raw: bool,
                drift: float) -> list[dict[str, Any]]:
        rows = []
        silent = set(rng.sample([p["place_id"] for p in places], 1))  # a place without any rows
        for p in places:
            pid = p["place_id"]
            if pid in silent:
                continue
            for d in (start + dt.timedelta(days=i) for i in range(n)):
                weekday = 1.0 + 0.3 * (d.weekday() >= 5)
                for src in sources:
                    for seg in segments:
                        if rng.random() < 0.25:
                            continue  # a missing row: that day counts 0 for it
                        k = max(0, int(rng.gauss(level[pid] * weekday * drift, math.sqrt(level[pid]) + 1)))
                        if integer_values:
                            v = float(k)
                        else:
                            v = k * rng.uniform(0.8, 1.6) if rng.random() < 0.95 else 0.0
                        row = {"place_id": pid, "date": d, "source": src, "visits": v}
                        if raw:
                            row["raw_visits"] = k
                        if segments != [None]:
                            row["segment"] = seg
                        rows.append(row)
        return rows

    visits_a = release(places_a, start_a, len_a, sources_a, raw_a, 1.0)
    visits_b = release(places_b, start_b, len_b, sources_b, raw_b, rng.uniform(0.8, 1.25))
    customers = (
        Customer("c-own", "Own and rivals", "key", brands=("Acme",), competitors=("Bolt",)),
        Customer("c-regional", "Regional", "standard", brands=("Core",), competitors=("Acme",),
                 regions=("NE", "W"), place_ids=(ids[0], ids[-1])),
        Customer("c-ghost", "Brand nobody has", brands=("Nowhere",)),
    )
    deals = (
        Deal("d-cat-region", "Prospect 1", "trial", categories=("Grocery Stores",), regions=("W", "S")),
        Deal("d-brand-places", "Prospect 2", "closing", brands=("Bolt", "Core"), place_ids=(ids[1],)),
        Deal("d-places", "Prospect 3", "negotiation", place_ids=(ids[2], ids[3], ids[4], "nowhere")),
        Deal("d-all-filters", "Prospect 4", "trial", categories=("Cafes", "Fitness Centers"), regions=("NE",),
             brands=("Acme", "Core")),
    )
    holders = Stakeholders(customers, deals, (), "test")
    return {"visits_a": visits_a, "places_a": places_a, "visits_b": visits_b, "places_b": places_b,
            "stakeholders": holders, "raw_both": raw_a and raw_b}

