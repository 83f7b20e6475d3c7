"""Shared by the dashboard's AppTest files: a tiny store (three releases), its stakeholders and scenarios,
and helpers that open a page and read its charts."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

import pyarrow as pa
from snapshots import write_snapshot
from streamlit.testing.v1 import AppTest

from dashboard.acceptance.service import run_gate
from dashboard.stakeholders import load_stakeholders
from dashboard.store.catalog import Store
from dashboard.store.ingest import ingest_release
from dashboard.views.ui import PAGE_FILES

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")
TIMEOUT = 60
#: Every page, by its name in the link: the router's own table, so a page added there is opened by every
#: parametrised page test.
PAGES = PAGE_FILES

START = dt.date(2026, 6, 1)  # a Monday: four whole ISO weeks
DAYS = 28
PLACES = [
    # place_id, brand, category, region, base visits per day and source
    ("p1", "FreshCo", "Grocery Stores", "NE", 100.0),
    ("p2", "FreshCo", "Grocery Stores", "W", 80.0),
    ("p3", "ValueMart", "Grocery Stores", "NE", 120.0),
    ("p4", "ValueMart", "Grocery Stores", "W", 90.0),
    ("p5", None, "Fitness Centers", "W", 40.0),
    ("p6", "PacificFit", "Fitness Centers", "W", 60.0),
]
NEW_PLACE = ("p7", "PacificFit", "Fitness Centers", "W", 30.0)
COMPONENTS_1 = {"source_ingest": "v4", "poi_db": "2026-05", "attribution": "point_radius"}
COMPONENTS_2 = {"source_ingest": "v5", "poi_db": "2026-05", "attribution": "gauss_poi"}

STAKEHOLDERS = """
[[customers]]
id = "freshco"
name = "FreshCo Inc."
tier = "key"
brands = ["FreshCo"]
competitors = ["ValueMart"]

[[deals]]
id = "gym-trial"
prospect = "Pacific Fitness"
stage = "trial"
categories = ["Fitness Centers"]
regions = ["W"]

[[criteria]]
name = "key customers keep their weekly trend"
applies_to = "customers"
metric = "weekly_growth_mae_pp"
max = 50.0
severity = "block"

[[criteria]]
name = "trial deals see a steady level"
applies_to = "deals"
where = { stage = "trial" }
metric = "level_change_pct"
min = -5.0
max = 5.0
severity = "block"

[[criteria]]
name = "categories keep their level"
applies_to = "categories"
metric = "level_change_pct"
min = -10.0
max = 10.0
severity = "warn"
"""

SCENARIOS = """
[[scenarios]]
name = "sdk_b outage"
[[scenarios.perturbations]]
kind = "drop_source"
source = "sdk_b"
"""


def _visits(places, start: dt.date, days: int, shape) -> list[dict]:
    rows = []
    for pid, brand, _cat, region, base in places:
        for i in range(days):
            day = start + dt.timedelta(days=i)
            weekly = 1.25 if day.weekday() >= 5 else 1.0
            for source, share in (("sdk_a", 0.6), ("sdk_b", 0.4)):
                v = base * share * weekly * (1 + 0.01 * (i % 7)) * shape(brand, region, source, i)
                rows.append(
                    {
                        "place_id": pid,
                        "date": day,
                        "source": source,
                        "visits": round(v, 3),
                        "raw_visits": int(v / 4),
                    }
                )
    return rows


def _places(places) -> list[dict]:
    return [
        {
            "place_id": pid,
            "name": f"{brand or 'Indie'} {pid}",
            "brand": brand,
            "category": cat,
            "region": region,
        }
        for pid, brand, cat, region, _ in places
    ]


def _same(brand, region, source, i) -> float:
    return 1.0


def _candidate(brand, region, source, i) -> float:
    """sdk_b loses 60 % of its devices in W from the third week; FreshCo's polygons add 3 %."""
    f = 0.4 if (source == "sdk_b" and region == "W" and i >= 14) else 1.0
    return f * (1.03 if brand == "FreshCo" else 1.0)


def _ablation_attribution(brand, region, source, i) -> float:
    return 1.03 if brand == "FreshCo" else 1.0


def _ablation_source(brand, region, source, i) -> float:
    return 0.4 if (source == "sdk_b" and region == "W" and i >= 14) else 1.0


def build_store(root: Path) -> Path:
    home = root / "store"
    store = Store(home)
    snaps = root / "snaps"
    specs = [
        ("r1", PLACES, START, _same, {"components": COMPONENTS_1, "created_at": "2026-07-01T10:00:00Z"}),
        (
            "r2",
            PLACES + [NEW_PLACE],
            START,
            _candidate,
            {"components": COMPONENTS_2, "created_at": "2026-08-01T10:00:00Z"},
        ),
        (
            "r2-abl-attribution",
            PLACES,
            START,
            _ablation_attribution,
            {
                "kind": "ablation",
                "base": "r1",
                "components": {**COMPONENTS_1, "attribution": "gauss_poi"},
                "created_at": "2026-08-01T12:00:00Z",
            },
        ),
        (
            "r2-abl-source_ingest",
            PLACES,
            START,
            _ablation_source,
            {
                "kind": "ablation",
                "base": "r1",
                "components": {**COMPONENTS_1, "source_ingest": "v5"},
                "created_at": "2026-08-01T12:10:00Z",
            },
        ),
        (
            "old",
            PLACES,
            dt.date(2025, 1, 6),
            _same,
            {"components": COMPONENTS_1, "created_at": "2025-01-20T10:00:00Z"},
        ),
    ]
    for rid, places, start, shape, manifest in specs:
        folder = write_snapshot(
            snaps / rid, rid, _visits(places, start, DAYS, shape), _places(places), **manifest
        )
        ingest_release(store, folder)
    return home


def record_gate_run(home: Path, stakeholders: Path) -> None:
    """One recorded verdict for the Releases page's history (the dashboard itself never records)."""
    run_gate(Store(home), "r1", "r2", load_stakeholders(stakeholders), record=True, attribute=False)


def open_page(page: str, **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    if page != "review":
        at.switch_page(PAGES[page]).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def plotly_specs(at: AppTest) -> dict[str, dict]:
    """Plotly figures on the page by title."""
    out = {}
    for el in at.get("plotly_chart"):
        spec = json.loads(el.proto.spec)
        out[spec["layout"]["title"]["text"]] = spec
    return out


def vega_charts(at: AppTest) -> list[tuple[dict, list[dict]]]:
    """Vega-Lite charts on the page: (spec, rows of its datasets)."""
    out = []
    for el in at.get("vega_lite_chart"):
        rows: list[dict] = []
        for ds in el.proto.datasets:
            rows += pa.ipc.open_stream(io.BytesIO(ds.data.data)).read_all().to_pylist()
        out.append((json.loads(el.proto.spec), rows))
    return out


def texts(elements) -> str:
    """The elements' Markdown as people read it: the dashboard backslash-escapes punctuation in names."""
    return "\n".join(re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", str(e.value)) for e in elements)


