"""The chaos tests' tiny release: four places, two sources, 28 days, and stakeholders whose criteria it breaks.

Shared by the files of tests/chaos (the ``world`` fixture is in tests/chaos/conftest.py).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
from snapshots import write_snapshot

from dashboard.acceptance.gate import CriterionResult
from dashboard.chaos.candidate import register_scenario
from dashboard.chaos.robustness import run_chaos
from dashboard.chaos.scenario import Perturbation, Scenario
from dashboard.stakeholders import Stakeholders, parse_stakeholders
from dashboard.store.catalog import Store
from dashboard.store.ingest import ingest_release

D0 = dt.date(2026, 6, 1)  # a Monday: 28 days are four whole ISO weeks
DAYS = 28
RID = "r1"

# p1 (W, Grocery, brand A) is fed by sources x and y, p2 (NE, Grocery, B) by x only, p3 (NE, Gym, C) by y
# only, p4 (NE, Gym, C) by y only; source y also reports user segments on p1.
PLACES = [
    {"place_id": "p1", "brand": "A", "category": "Grocery", "region": "W"},
    {"place_id": "p2", "brand": "B", "category": "Grocery", "region": "NE"},
    {"place_id": "p3", "brand": "C", "category": "Gym", "region": "NE"},
    {"place_id": "p4", "brand": "C", "category": "Gym", "region": "NE"},
]


def _series(base: float, k: int) -> list[float]:
    return [base + (i * k % 7) * 1.5 + 0.25 * i for i in range(DAYS)]


def _rows(place: str, source: str, values: list[float], segment: str = "all") -> list[dict[str, Any]]:
    return [
        {"place_id": place, "date": D0 + dt.timedelta(days=i), "source": source, "visits": float(v),
         "raw_visits": int(round(v / 2)), "segment": segment}
        for i, v in enumerate(values)
    ]


VISITS = pd.DataFrame(
    _rows("p1", "x", _series(40, 3))
    + _rows("p1", "y", _series(10, 2), segment="commuters")
    + _rows("p1", "y", _series(12, 5), segment="residents")
    + _rows("p2", "x", _series(30, 4))
    + _rows("p3", "y", _series(25, 1))
    + _rows("p4", "y", _series(15, 6))
)

STAKEHOLDERS = """
[[customers]]
id = "gymco"
name = "Gym Co"
tier = "key"
brands = ["C"]

[[customers]]
id = "bco"
name = "B Co"
brands = ["B"]

[[customers]]
id = "grocer"
name = "Grocer"
tier = "key"
brands = ["A", "B"]

[[deals]]
id = "ne-deal"
prospect = "North East Prospect"
stage = "trial"
regions = ["NE"]

[[criteria]]
name = "level holds"
applies_to = "customers"
metric = "level_change_pct"
min = -20.0
severity = "block"

[[criteria]]
name = "daily series aligned"
applies_to = "customers"
metric = "daily_corr"
min = 0.9
severity = "block"

[[criteria]]
name = "weekly trend"
applies_to = "customers"
metric = "weekly_growth_mae_pp"
max = 5.0
severity = "warn"

[[criteria]]
name = "deal level"
applies_to = "deals"
metric = "level_change_pct"
min = -10.0
max = 10.0
severity = "block"

[[criteria]]
name = "category level"
applies_to = "categories"
metric = "level_change_pct"
min = -20.0
max = 20.0
severity = "warn"

[[criteria]]
name = "total level"
applies_to = "all"
metric = "level_change_pct"
min = -20.0
max = 20.0
severity = "block"
"""

VOLUME_CRITERIA = {"level holds", "deal level", "category level", "total level"}


def build_world(tmp: Path) -> tuple[Store, Stakeholders]:
    """The release RID ingested into a store under ``tmp``, and the parsed STAKEHOLDERS."""
    folder = write_snapshot(tmp / "snap", RID, VISITS, PLACES)
    store = Store(tmp / "store")
    ingest_release(store, folder)
    return store, parse_stakeholders(STAKEHOLDERS, source="test-stakeholders.toml")


def scenario(*perts: Perturbation, name: str = "s") -> Scenario:
    return Scenario(name=name, perturbations=tuple(perts))


def virtual(store: Store, *perts: Perturbation) -> dict[str, pd.DataFrame]:
    """The registered visits_b / places_b / daily_b of a scenario, as frames sorted for comparison."""
    cur = store.cursor()
    try:
        register_scenario(cur, store.release(RID), perts, "b")
        out = {}
        for name in ("visits", "places", "daily"):
            df = cur.table(f"{name}_b").df()
            keys = [c for c in ("place_id", "date", "source", "segment") if c in df.columns]
            out[name] = df.sort_values(keys).reset_index(drop=True)
        return out
    finally:
        cur.close()


def by_date(df: pd.DataFrame) -> dict[dt.date, float]:
    dates = pd.to_datetime(df["date"]).dt.date
    return {d: round(float(v), 9) for d, v in df.groupby(dates)["visits"].sum().items()}


def results(store: Store, people: Any, *perts: Perturbation) -> dict[tuple[str, str], CriterionResult]:
    res = run_chaos(store, RID, [scenario(*perts)], people).scenarios[0]
    return {(r.scope, r.criterion): r for r in res.results}


def sample_like(folder: Path) -> Path:
    path = folder / "fixture-chaos.toml"
    path.write_text(FIXTURE_SCENARIOS, encoding="utf-8")
    return path


FIXTURE_SCENARIOS = """
[[scenarios]]
name = "x outage"
[[scenarios.perturbations]]
kind = "drop_source"
source = "x"

[[scenarios]]
name = "y outage in NE from day 15"
description = "y goes dark in the North East"
[[scenarios.perturbations]]
kind = "drop_source"
source = "y"
regions = ["NE"]
from = 2026-06-15

[[scenarios]]
name = "noise"
[[scenarios.perturbations]]
kind = "noise"
cv = 0.02
seed = 4

[[scenarios]]
name = "control"
"""
