"""Helpers of the attribution tests: tiny inline releases with an injected fault, or with churn."""

from __future__ import annotations

import itertools
import random
from pathlib import Path
from typing import Any

from snapshots import write_snapshot

from dashboard.stakeholders import parse_stakeholders
from dashboard.store.catalog import Store
from dashboard.store.ingest import ingest_release

TOL = 1e-9


def close(a: float, b: float, tol: float = TOL) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


def ingest(store: Store, root: Path, rid: str, visits: list[dict[str, Any]], places: list[dict[str, Any]],
           **manifest: Any) -> None:
    ingest_release(store, write_snapshot(root / rid, rid, visits, places, **manifest))


def day(i: int) -> str:
    return f"2026-01-{i:02d}"


# ------------------------------------------------------------------------------------ fixtures

REGIONS = ("N", "S", "E", "W")
SOURCES = {"sdk_a": 1.0, "sdk_b": 2.0, "sdk_c": 0.5}


def fault_world() -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """16 places, 3 sources, 3 days; the candidate halves sdk_b in region W and changes nothing else."""
    places, cur, cand = [], [], []
    for i, (region, cat) in enumerate(itertools.product(REGIONS, ("Grocery Stores", "Cafes"))):
        for k in range(2):
            pid = f"p{i}{k}"
            brand = ("FreshCo" if cat == "Grocery Stores" else "BeanThere") if k == 0 else None
            places.append({"place_id": pid, "brand": brand, "category": cat, "region": region})
            for src, f in SOURCES.items():
                for d in range(1, 4):
                    v = (10.0 + i + 3 * k + d) * f
                    row = {"place_id": pid, "date": day(d), "source": src}
                    cur.append({**row, "visits": v})
                    cand.append({**row, "visits": v * (0.5 if (src, region) == ("sdk_b", "W") else 1.0)})
    return places, cur, cand


def churn_world() -> dict[str, Any]:
    """Places added, dropped, relabelled and re-branded, a new source, segments, shifted date ranges."""
    rng = random.Random(7)
    base_places = [
        {"place_id": "p1", "brand": "FreshCo", "category": "Grocery Stores", "region": "W"},
        {"place_id": "p2", "brand": "ValueMart", "category": "Grocery Stores", "region": "W"},
        {"place_id": "p3", "brand": "DailyGrind", "category": "Cafes", "region": "E"},
        {"place_id": "p4", "brand": None, "category": "Cafes", "region": "E"},
        {"place_id": "p5", "brand": "FreshCo", "category": "Grocery Stores", "region": "E"},
        {"place_id": "p6", "brand": None, "category": "Gyms", "region": "W"},
    ]
    cand_places = [dict(p) for p in base_places if p["place_id"] != "p6"]
    cand_places[2]["category"] = "Restaurants"  # p3 relabelled
    cand_places[1]["brand"] = "FreshCo"  # p2 re-branded
    cand_places.append({"place_id": "p7", "brand": "ValueMart", "category": "Grocery Stores", "region": "W"})

    def rows(places: list[dict[str, Any]], days: range, sources: dict[str, float]) -> list[dict[str, Any]]:
        out = []
        for p in places:
            for d in days:
                for src, f in sources.items():
                    for seg in ("commuters", "residents"):
                        out.append({"place_id": p["place_id"], "date": day(d), "source": src, "segment": seg,
                                    "visits": round(rng.uniform(5, 50) * f, 3)})
        return out

    return {
        "cur_places": base_places,
        "cand_places": cand_places,
        "cur": rows(base_places, range(1, 5), {"sdk_a": 1.0, "sdk_b": 1.5}),
        "cand": rows(cand_places, range(2, 6), {"sdk_a": 1.0, "sdk_b": 1.1, "sdk_c": 0.4}),
    }


STAKEHOLDERS = parse_stakeholders("""
[[customers]]
id = "freshco"
name = "FreshCo Inc."
tier = "key"
brands = ["FreshCo"]
competitors = ["ValueMart"]
regions = ["W"]

[[deals]]
id = "cafe-deal"
prospect = "Cafe Prospect"
stage = "trial"
owner = "se"
categories = ["Cafes"]
""")


