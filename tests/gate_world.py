"""A tiny release world for the acceptance tests (gate, causes, sign-offs, history, service).

The releases are tiny and written inline; every expected value below is worked out by hand from them.
Three whole ISO weeks from Monday 2026-01-05; the daily pattern w repeats weekly, so weekly growth is 0.

    place  brand      category        region  current (r1)        candidate (r2)
    p1     FreshCo    Grocery Stores  NE      w                   1.5·w                      (level up)
    p2     ValueMart  Grocery Stores  W       w (sdk_a) + w (sdk_b)  same
    p3     IronWorks  Fitness         W       2·w                 same
    p4     BeanThere  Coffee → Cafes  SE      w                   w (relabelled to Cafes)
    p5     (none)     Fitness         MW      w                   dropped
    p6     (none)     Fitness         S       —                   w (new)

So category Coffee exists only in r1, Cafes and region S only in r2, region MW only in r1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from snapshots import COMPONENTS, daily_rows, write_snapshot

from dashboard.acceptance.results import GateResult
from dashboard.stakeholders import Stakeholders, parse_stakeholders
from dashboard.store.catalog import Store
from dashboard.store.ingest import ingest_release

START = "2026-01-05"
W = [10.0 + (i % 7) for i in range(21)]
S = sum(W)


def scaled(k: float) -> list[float]:
    return [k * x for x in W]


def place(pid: str, brand: str | None, category: str, region: str, name: str | None = None) -> dict[str, Any]:
    return {"place_id": pid, "name": name or pid, "brand": brand, "category": category, "region": region,
            "latitude": 1.0, "longitude": 1.0}


PLACES_A = [
    place("p1", "FreshCo", "Grocery Stores", "NE"),
    place("p2", "ValueMart", "Grocery Stores", "W"),
    place("p3", "IronWorks", "Fitness", "W"),
    place("p4", "BeanThere", "Coffee", "SE"),
    place("p5", None, "Fitness", "MW"),
]
PLACES_B = [
    place("p1", "FreshCo", "Grocery Stores", "NE"),
    place("p2", "ValueMart", "Grocery Stores", "W"),
    place("p3", "IronWorks", "Fitness", "W"),
    place("p4", "BeanThere", "Cafes", "SE"),
    place("p6", None, "Fitness", "S"),
]
VISITS_A = (
    daily_rows("p1", START, W) + daily_rows("p2", START, W) + daily_rows("p2", START, W, source="sdk_b")
    + daily_rows("p3", START, scaled(2)) + daily_rows("p4", START, W) + daily_rows("p5", START, W)
)
VISITS_B = (
    daily_rows("p1", START, scaled(1.5)) + daily_rows("p2", START, W) + daily_rows("p2", START, W, source="sdk_b")
    + daily_rows("p3", START, scaled(2)) + daily_rows("p4", START, W) + daily_rows("p6", START, W)
)

STAKEHOLDERS_TOML = """
[[customers]]
id = "freshco"
name = "FreshCo <Inc> & Sons"
tier = "key"
brands = ["FreshCo"]
competitors = ["ValueMart"]

[[customers]]
id = "ironworks"
name = "IronWorks Gyms"
tier = "standard"
brands = ["IronWorks"]

[[customers]]
id = "beanthere"
name = "BeanThere Coffee"
tier = "key"
brands = ["BeanThere"]

[[deals]]
id = "gym-trial"
prospect = "Pacific Fitness"
stage = "trial"
categories = ["Fitness"]
regions = ["W"]

[[deals]]
id = "coffee-negotiation"
prospect = "Bean Counters"
stage = "negotiation"
categories = ["Coffee"]

[[criteria]]
name = "key customers keep their level"
applies_to = "customers"
where = { tier = "key" }
metric = "level_change_pct"
min = -5.0
max = 5.0
severity = "block"

[[criteria]]
name = "competitor shares hold"
applies_to = "customers"
metric = "max_share_shift_pp"
max = 2.0
severity = "warn"

[[criteria]]
name = "trial deals steady"
applies_to = "deals"
where = { stage = "trial" }
metric = "level_change_pct"
min = -3.0
max = 3.0
severity = "block"

[[criteria]]
name = "categories keep their level"
applies_to = "categories"
metric = "level_change_pct"
min = -5.0
max = 5.0
severity = "warn"

[[criteria]]
name = "regions stay aligned"
applies_to = "regions"
metric = "daily_corr"
min = 0.9
severity = "block"

[[criteria]]
name = "total level"
applies_to = "all"
metric = "level_change_pct"
max = 100.0
severity = "block"
"""

KEY_LEVEL = "key customers keep their level"
SHARES = "competitor shares hold"
FRESHCO_LEVEL = 100.0 * (3.5 * S - 3 * S) / (3 * S)  # p1 + p2: 3w → 3.5w
FRESHCO_SHARE_SHIFT = 100.0 * abs(1.5 / 3.5 - 1 / 3)  # FreshCo's share of FreshCo + ValueMart

#: Every (criterion, scope) the gate must judge, and its status, worked out by hand.
EXPECTED: dict[tuple[str, str], str] = {
    (KEY_LEVEL, "customer:freshco"): "fail",  # +16.7 %
    (KEY_LEVEL, "customer:beanthere"): "pass",  # where tier = key: ironworks is not judged
    (SHARES, "customer:freshco"): "warn",  # 9.5 pp
    (SHARES, "customer:ironworks"): "pass",
    (SHARES, "customer:beanthere"): "pass",
    ("trial deals steady", "deal:gym-trial"): "pass",  # the negotiation deal is not a trial
    ("categories keep their level", "category:Cafes"): "no_data",  # only in r2: no current level
    ("categories keep their level", "category:Coffee"): "warn",  # only in r1: -100 %
    ("categories keep their level", "category:Fitness"): "pass",  # p3+p5 → p3+p6: 3w both
    ("categories keep their level", "category:Grocery Stores"): "warn",
    # r2 has no MW place: a constant 0 series, no correlation; a block criterion without data fails
    ("regions stay aligned", "region:MW"): "fail",
    ("regions stay aligned", "region:NE"): "pass",
    ("regions stay aligned", "region:S"): "fail",
    ("regions stay aligned", "region:SE"): "pass",
    ("regions stay aligned", "region:W"): "pass",
    ("total level", "all"): "pass",  # 7w → 7.5w: +7.1 %
}


def stakeholders(text: str = STAKEHOLDERS_TOML) -> Stakeholders:
    return parse_stakeholders(text, source="<test stakeholders>")


COMPONENTS_A = dict(COMPONENTS)
#: r2 changes two components: the places database (FreshCo's polygons: p1 ×1.5) and the attribution step
#: (p4 relabelled, p5 lost, p6 found).
COMPONENTS_B = {**COMPONENTS, "poi_db": "2026-11", "attribution": "gauss_poi"}
VISITS_POI_ONLY = [r if r["place_id"] != "p1" else {**r, "visits": 1.5 * r["visits"]} for r in VISITS_A]
VISITS_ATTRIBUTION_ONLY = [r for r in VISITS_A if r["place_id"] != "p5"] + daily_rows("p6", START, W)


def build_store(root: Path, with_r3: bool = False, with_ablation: bool = False) -> Store:
    """r1 (current) and r2 (candidate); with_r3 adds r3 = r2's data, created last but ingested first;
    with_ablation adds r1 rebuilt with each of r2's two changed components (every subset: exact Shapley)."""
    store = Store(root / "store")
    if with_r3:
        ingest_release(store, write_snapshot(root / "snap-r3", "r3", VISITS_B, PLACES_B, components=COMPONENTS_B,
                                             created_at="2026-03-01T00:00:00Z"))
    ingest_release(store, write_snapshot(root / "snap-r1", "r1", VISITS_A, PLACES_A, components=COMPONENTS_A,
                                         created_at="2026-01-01T00:00:00Z"))
    ingest_release(store, write_snapshot(root / "snap-r2", "r2", VISITS_B, PLACES_B, components=COMPONENTS_B,
                                         created_at="2026-02-01T00:00:00Z"))
    if with_ablation:
        ingest_release(store, write_snapshot(
            root / "snap-abl-poi", "r2-abl-poi_db", VISITS_POI_ONLY, PLACES_A, kind="ablation", base="r1",
            components={**COMPONENTS_A, "poi_db": COMPONENTS_B["poi_db"]}, created_at="2026-02-01T01:00:00Z"))
        ingest_release(store, write_snapshot(
            root / "snap-abl-attr", "r2-abl-attribution", VISITS_ATTRIBUTION_ONLY, PLACES_B, kind="ablation",
            base="r1", components={**COMPONENTS_A, "attribution": COMPONENTS_B["attribution"]},
            created_at="2026-02-01T02:00:00Z"))
    return store


def statuses(g: GateResult) -> dict[tuple[str, str], str]:
    return {(r.criterion, r.scope): r.status for r in g.results}
