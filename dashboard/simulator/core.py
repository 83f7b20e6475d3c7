"""Seeded simulator of the footfall pipeline: writes release snapshots and a ground-truth ledger.

Why a simulator and not a fixture: relcheck's job is to say *which component moved which customer's
numbers*. That can only be checked against data whose causes are known. The simulator builds one world
(regions, cities, places, true daily demand, panel stops per upstream source) from a seed, then runs the
five pipeline components over it. Every run re-uses the same random draws (common random numbers), so two
runs differ only where their component versions differ; the candidate's injected changes, and the exact
Shapley contribution of every component over the full 2^5 lattice of component swaps, are written to
``ground_truth.json`` so tests can score relcheck's attribution.

Model, in order of the pipeline (each step is a pure function of the world and one component version):

* **world**: places (with a true footprint, optional parking lot, true category), true daily visits
  ``base * weekday * season * holiday * region-day * noise``, and a user-segment mix per place.
* **source_ingest**: panel stops per (origin, day, source, segment) = true visits * source coverage in the
  region (* a device loss where a version has one). Origins are the stores and the grocery parking lots.
* **stop_detection**: a detection rate per category (a longer dwell threshold loses short visits).
* **poi_db**: which places are listed, with which id, category and polygon (centroid and area).
* **attribution**: each origin's stops are scattered by the source's location error (fixed Monte-Carlo
  draws per origin) and assigned to a listed place, by point-radius (nearest centroid within R metres) or
  by a gaussian per place; this gives a sparse origin -> place kernel.
* **normalization**: raw panel counts (a Poisson quantile of the attributed mean at a fixed uniform per
  cell, so a run's counts move monotonically with its mean) times a scale per region and segment.

This module must not import Streamlit (it is core, used by ``relcheck sample`` and the benchmark).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from scipy import sparse, special
from scipy.spatial import cKDTree

from dashboard.errors import RelcheckError

Progress = Callable[[str, int, int], None]

COMPONENTS: tuple[str, ...] = ("source_ingest", "poi_db", "stop_detection", "attribution", "normalization")

#: Upstream sources, sorted (rows are written in this order). Share of panel devices and location error.
SOURCES: tuple[str, ...] = ("bidstream_x", "sdk_alpha", "sdk_beta", "telco_y")
SOURCE_SHARE = {"bidstream_x": 0.33, "sdk_alpha": 0.12, "sdk_beta": 0.45, "telco_y": 0.10}
SOURCE_SIGMA_M = {"bidstream_x": 38.0, "sdk_alpha": 8.0, "sdk_beta": 14.0, "telco_y": 30.0}

SEGMENTS: tuple[str, ...] = ("commuters", "residents", "visitors")

# Regions: panel rate (share of true visits seen as panel stops), tourism (visitor share multiplier), and
# fictional cities at real-looking coordinates with a population weight.
REGIONS: dict[str, dict[str, Any]] = {
    "NE": {"panel": 0.065, "tourism": 1.0, "cities": [("Harborview", 42.36, -71.06, 3), ("Millbrook", 41.76, -72.68, 2),
                                                      ("Stonebridge", 43.05, -76.15, 1)]},
    "SE": {"panel": 0.050, "tourism": 1.3, "cities": [("Magnolia City", 33.75, -84.39, 3), ("Palmetto Bay", 32.78, -79.93, 2),
                                                      ("Cypress Point", 30.33, -81.66, 1)]},
    "MW": {"panel": 0.060, "tourism": 0.8, "cities": [("Lakeshore", 41.88, -87.63, 3), ("Prairie Falls", 39.77, -86.16, 2),
                                                      ("Riverton", 44.98, -93.27, 1)]},
    "SW": {"panel": 0.045, "tourism": 1.1, "cities": [("Mesa Verde", 33.45, -112.07, 2), ("Sandstone", 35.08, -106.65, 1)]},
    "W": {"panel": 0.070, "tourism": 1.2, "cities": [("Bayview", 37.77, -122.42, 3), ("Cedar Ridge", 45.52, -122.68, 2),
                                                     ("Sierra Vista", 38.58, -121.49, 1)]},
}
REGION_WEIGHT = {"NE": 0.22, "SE": 0.21, "MW": 0.20, "SW": 0.15, "W": 0.22}
# Source shares differ a little by region (telco_y is stronger in the MW and SE, sdk_beta in the W).
SOURCE_REGION_TILT = {("telco_y", "MW"): 1.5, ("telco_y", "SE"): 1.3, ("sdk_beta", "W"): 1.15,
                      ("bidstream_x", "SW"): 1.2}


@dataclass(frozen=True)
class Category:
    """A NAICS-style top category: demand shape, footprint, segment mix and competitor brands."""

    name: str
    subs: tuple[str, ...]
    weight: float  # share of standalone places
    median: float  # median true visits per day
    area: tuple[float, float]  # footprint m2 range
    dow: tuple[float, ...]  # Mon..Sun index
    season: tuple[float, float]  # amplitude, day of year of the peak
    mix: tuple[float, float, float]  # commuters, residents, visitors
    branded: float  # share of places with a brand
    brands: tuple[tuple[str, float, tuple[str, ...]], ...]  # (brand, weight, core regions or () = all)


CATEGORIES: tuple[Category, ...] = (
    Category("Grocery Stores", ("Supermarkets and Other Grocery (except Convenience) Stores", "Convenience Stores"),
             0.10, 1100, (1800, 5000), (0.92, 0.88, 0.9, 0.95, 1.05, 1.25, 1.05), (0.04, 200), (0.15, 0.75, 0.10),
             0.75, (("FreshCo", 0.38, ("NE", "W")), ("ValueMart", 0.37, ()), ("GreenBasket", 0.25, ("SE", "MW")))),
    Category("Restaurants and Other Eating Places", ("Full-Service Restaurants", "Limited-Service Restaurants"),
             0.18, 320, (180, 700), (0.85, 0.85, 0.9, 0.98, 1.2, 1.27, 1.0), (0.07, 200), (0.30, 0.45, 0.25),
             0.40, (("BurgerBarn", 0.4, ()), ("TacoTown", 0.35, ("SW", "W", "SE")), ("PizzaPlanet", 0.25, ()))),
    Category("Snack and Nonalcoholic Beverage Bars", ("Coffee Shops", "Juice and Smoothie Bars"),
             0.10, 260, (70, 250), (1.08, 1.06, 1.06, 1.05, 1.02, 0.9, 0.8), (-0.05, 20), (0.55, 0.30, 0.15),
             0.55, (("BeanThere", 0.45, ()), ("DailyGrind", 0.3, ("NE", "MW", "SE")), ("JavaJunction", 0.25, ("W", "SW")))),
    Category("Fitness and Recreational Sports Centers", ("Fitness and Recreational Sports Centers", "Yoga and Pilates Studios"),
             0.10, 210, (700, 2500), (1.2, 1.15, 1.1, 1.05, 0.9, 0.82, 0.75), (-0.09, 20), (0.25, 0.70, 0.05),
             0.60, (("PacificFit", 0.4, ("W", "SW")), ("IronWorks", 0.35, ()), ("CoreCycle", 0.25, ("NE", "MW")))),
    Category("Gasoline Stations", ("Gasoline Stations with Convenience Stores", "Other Gasoline Stations"),
             0.10, 650, (250, 900), (1.0, 0.98, 1.0, 1.02, 1.1, 0.98, 0.85), (0.06, 200), (0.50, 0.35, 0.15),
             0.70, (("FuelUp", 0.35, ("SE", "SW")), ("PetroPlus", 0.4, ()), ("QuickGas", 0.25, ("MW", "NE")))),
    Category("Clothing Stores", ("Family Clothing Stores", "Women's Clothing Stores"),
             0.09, 280, (300, 1500), (0.8, 0.8, 0.82, 0.88, 1.05, 1.45, 1.2), (0.05, 160), (0.15, 0.55, 0.30),
             0.55, (("UrbanThread", 0.4, ()), ("StyleLane", 0.35, ()), ("DenimCo", 0.25, ("MW", "SE", "SW")))),
    Category("Health and Personal Care Stores", ("Pharmacies and Drug Stores", "Cosmetics, Beauty Supplies, and Perfume Stores"),
             0.08, 420, (400, 1300), (1.05, 1.0, 1.0, 1.02, 1.05, 1.0, 0.8), (-0.02, 40), (0.15, 0.75, 0.10),
             0.65, (("CareRx", 0.55, ()), ("WellPath", 0.45, ()))),
    Category("General Merchandise Stores", ("Warehouse Clubs and Supercenters", "Discount Department Stores"),
             0.045, 2600, (8000, 18000), (0.85, 0.82, 0.85, 0.9, 1.05, 1.35, 1.15), (0.03, 200), (0.15, 0.65, 0.20),
             0.85, (("BigBox", 0.55, ()), ("MegaMart", 0.45, ()))),
    Category("Building Material and Supplies Dealers", ("Home Centers", "Hardware Stores"),
             0.045, 800, (4000, 12000), (0.9, 0.88, 0.9, 0.92, 1.0, 1.35, 1.1), (0.10, 130), (0.10, 0.80, 0.10),
             0.70, (("HomeForge", 0.55, ()), ("BuildRight", 0.45, ()))),
    Category("Automobile Dealers", ("New Car Dealers", "Used Car Dealers"),
             0.07, 55, (1500, 5000), (0.95, 0.9, 0.9, 0.95, 1.05, 1.4, 0.5), (0.02, 180), (0.05, 0.85, 0.10),
             0.70, (("DriveLine Motors", 0.55, ()), ("Summit Auto", 0.45, ()))),
    Category("Lessors of Real Estate", ("Shopping Malls",),
             0.0, 4200, (40000, 90000), (0.75, 0.75, 0.8, 0.85, 1.1, 1.5, 1.25), (0.04, 200), (0.15, 0.45, 0.40),
             0.0, ()),
)
CAT_INDEX = {c.name: i for i, c in enumerate(CATEGORIES)}
MALL_CAT = CAT_INDEX["Lessors of Real Estate"]
GROCERY = CAT_INDEX["Grocery Stores"]
MALL_TENANT_CATS = ((CAT_INDEX["Clothing Stores"], 0.4), (CAT_INDEX["Restaurants and Other Eating Places"], 0.22),
                    (CAT_INDEX["Snack and Nonalcoholic Beverage Bars"], 0.14),
                    (CAT_INDEX["Health and Personal Care Stores"], 0.1),
                    (CAT_INDEX["Fitness and Recreational Sports Centers"], 0.06),
                    (CAT_INDEX["General Merchandise Stores"], 0.08))
STRIP_ANCHORS = ((GROCERY, 0.55), (CAT_INDEX["General Merchandise Stores"], 0.2),
                 (CAT_INDEX["Building Material and Supplies Dealers"], 0.12),
                 (CAT_INDEX["Fitness and Recreational Sports Centers"], 0.13))
STRIP_PADS = ((CAT_INDEX["Gasoline Stations"], 0.25), (CAT_INDEX["Restaurants and Other Eating Places"], 0.3),
              (CAT_INDEX["Snack and Nonalcoholic Beverage Bars"], 0.2), (CAT_INDEX["Health and Personal Care Stores"], 0.15),
              (CAT_INDEX["Clothing Stores"], 0.1))
# Regional taste: more gyms in the West and South-West, more car dealers in the South-East, and so on.
CATEGORY_REGION_TILT = {("Fitness and Recreational Sports Centers", "W"): 2.5,
                        ("Fitness and Recreational Sports Centers", "SW"): 1.6, ("Gasoline Stations", "SW"): 1.3,
                        ("Automobile Dealers", "SE"): 1.5, ("Snack and Nonalcoholic Beverage Bars", "W"): 1.3}
# Short visits a 5-minute dwell threshold misses (the 4-minute versions see them).
SHORT_DWELL_LOSS = {CAT_INDEX["Gasoline Stations"]: 0.16, CAT_INDEX["Snack and Nonalcoholic Beverage Bars"]: 0.12,
                    CAT_INDEX["Restaurants and Other Eating Places"]: 0.05}

INDEPENDENT_WORDS = ("Maple", "Harbor", "Sunset", "Oak Street", "Main Street", "Riverside", "Juniper", "Copper",
                     "Northside", "Old Town", "Bluebird", "Granite", "Willow", "Summit", "Lantern", "Cedar")
CATEGORY_NOUNS = {
    "Grocery Stores": "Market", "Restaurants and Other Eating Places": "Kitchen",
    "Snack and Nonalcoholic Beverage Bars": "Coffee", "Fitness and Recreational Sports Centers": "Athletic Club",
    "Gasoline Stations": "Fuel", "Clothing Stores": "Outfitters", "Health and Personal Care Stores": "Pharmacy",
    "General Merchandise Stores": "Discount Center", "Building Material and Supplies Dealers": "Hardware",
    "Automobile Dealers": "Motors", "Lessors of Real Estate": "Galleria",
}
MALL_NOUNS = ("Galleria", "Town Center", "Commons", "Plaza", "Crossing", "Square")

PLACEKEY_ALPHABET = np.array(list("23456789bcdfghjkmnpqrstvwxyz"))

# Holidays inside the usual windows: multiplier per category name ("*" = every other category).
HOLIDAYS: dict[str, dict[str, float]] = {
    "2026-05-25": {"*": 0.95, "Restaurants and Other Eating Places": 1.12, "Gasoline Stations": 1.15,
                   "Building Material and Supplies Dealers": 1.25, "Clothing Stores": 1.2, "Automobile Dealers": 1.3,
                   "Fitness and Recreational Sports Centers": 0.7, "General Merchandise Stores": 1.1},
    "2026-06-21": {"*": 1.0, "Clothing Stores": 1.1, "Restaurants and Other Eating Places": 1.15},
    "2026-07-03": {"*": 0.97, "Grocery Stores": 1.2, "Gasoline Stations": 1.15},
    "2026-07-04": {"*": 0.85, "Restaurants and Other Eating Places": 1.12, "Grocery Stores": 0.75,
                   "Fitness and Recreational Sports Centers": 0.6, "Snack and Nonalcoholic Beverage Bars": 0.9},
    "2026-09-07": {"*": 0.95, "Clothing Stores": 1.2, "Automobile Dealers": 1.3, "Fitness and Recreational Sports Centers": 0.7},
}

# Component versions and their behaviour. Version strings are what manifests carry; behaviour keys are what
# the simulation uses, so two versions with the same behaviour produce byte-identical output.
SOURCE_INGEST_VERSIONS: dict[str, dict[str, Any]] = {
    "v2": {"sources": ("bidstream_x", "sdk_alpha", "sdk_beta"), "device_loss": False},
    "v3": {"sources": SOURCES, "device_loss": False},
    "v4": {"sources": SOURCES, "device_loss": True},
}
POI_DB_VERSIONS = {"2026-07": 0, "2026-08": 1, "2026-10": 2, "2026-11": 3}
STOP_DETECTION_VERSIONS = {"200m-5min": 5, "200m-4min": 4, "200m-4min-r2": 4}
ATTRIBUTION_VERSIONS = {"point_radius_75m": "point_radius", "gauss_poi": "gauss"}
NORMALIZATION_VERSIONS = {"state_scaling-v1": 1, "state_scaling-v2": 2}

HISTORY_VERSIONS: tuple[dict[str, str], ...] = (
    {"source_ingest": "v2", "poi_db": "2026-07", "stop_detection": "200m-5min", "attribution": "point_radius_75m",
     "normalization": "state_scaling-v1"},
    {"source_ingest": "v3", "poi_db": "2026-08", "stop_detection": "200m-4min", "attribution": "point_radius_75m",
     "normalization": "state_scaling-v1"},
)
CURRENT_VERSIONS = {"source_ingest": "v3", "poi_db": "2026-10", "stop_detection": "200m-4min",
                    "attribution": "point_radius_75m", "normalization": "state_scaling-v1"}
CANDIDATE_VERSIONS = {"source_ingest": "v4", "poi_db": "2026-11", "stop_detection": "200m-4min-r2",
                      "attribution": "gauss_poi", "normalization": "state_scaling-v2"}
HISTORY_DESCRIPTIONS = (
    "July POI database, 5-minute dwell threshold, three sources (telco_y not onboarded yet)",
    "telco_y onboarded (source_ingest v3), 4-minute dwell threshold, August POI database",
)
CURRENT_DESCRIPTION = "October POI database (backfill of newly found places); the release in production"
CANDIDATE_DESCRIPTION = ("sdk_beta feed v4, November POI database (parking-inclusive grocery polygons, openings, "
                         "closings, re-keys, category recalibration), gaussian attribution, state scaling v2 "
                         "(new population base), stop detection rebuilt with unchanged parameters")

POINT_RADIUS_M = 75.0
GAUSS_CUTOFF_SIGMAS = 3.0
GAUSS_MAX_M = 80.0
FOOTPRINT_SIGMA_PER_SQRT_M2 = 0.2
NEIGHBOURS = 8
CALIBRATION = 1.15  # normalization's fixed correction for stops no attribution keeps


# ---------------------------------------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """Everything a run of the simulator depends on (besides the code): sizes, dates, injected changes."""

    preset: str = "demo"
    seed: int = 20261105
    places: int = 600
    start: dt.date = dt.date(2026, 4, 13)
    days: int = 112
    segments: bool = True
    malls: int = 4
    tenants_per_mall: int = 8
    kernel_samples: int = 64
    write_history: bool = True
    write_ablations: bool = True
    history_short_days: int = 7
    chunk_places: int = 2048
    history_ids: tuple[str, ...] = ("2026.08.0", "2026.09.0")
    current_id: str = "2026.10.0"
    candidate_id: str = "2026.11.0"
    history_created: tuple[str, ...] = ("2026-08-06T10:00:00Z", "2026-09-03T10:00:00Z")
    current_created: str = "2026-10-01T10:00:00Z"
    candidate_created: str = "2026-11-05T10:00:00Z"
    loss_source: str = "sdk_beta"
    loss_region: str = "W"
    loss_date: dt.date = dt.date(2026, 6, 11)
    loss_fraction: float = 0.20
    parking_brands: tuple[str, ...] = ("FreshCo", "ValueMart")
    lot_share: tuple[float, float] = (0.12, 0.20)
    opened: int = 10
    closed: int = 8
    rekeyed: int = 7
    backfilled: int = 6
    relabel_brand: str = "DailyGrind"
    relabel_from: str = "Snack and Nonalcoholic Beverage Bars"
    relabel_to: str = "Restaurants and Other Eating Places"
    relabel_sub: str = "Limited-Service Restaurants"
    norm_region_scale: tuple[tuple[str, float], ...] = (("MW", 0.96), ("SE", 1.05))
    norm_segment_weight: tuple[tuple[str, float], ...] = (("commuters", 0.98), ("visitors", 1.05))

    @property
    def dates(self) -> np.ndarray:
        return np.datetime64(self.start, "D") + np.arange(self.days)


LARGE = {"preset": "large", "places": 50_000, "start": dt.date(2026, 5, 4), "days": 91, "segments": False,
         "malls": 40, "tenants_per_mall": 10, "kernel_samples": 12, "write_history": False,
         "write_ablations": False, "opened": 600, "closed": 450, "rekeyed": 500, "backfilled": 0}

# Where each key of the settings TOML goes: (section, key) -> Settings field.
_TOML_FIELDS: dict[tuple[str, str], str] = {
    ("", "seed"): "seed", ("", "places"): "places", ("", "start"): "start", ("", "weeks"): "days",
    ("", "days"): "days", ("", "segments"): "segments", ("", "malls"): "malls",
    ("", "tenants_per_mall"): "tenants_per_mall", ("", "kernel_samples"): "kernel_samples",
    ("", "write_history"): "write_history", ("", "write_ablations"): "write_ablations",
    ("releases", "history_ids"): "history_ids", ("releases", "history_created"): "history_created",
    ("releases", "history_short_days"): "history_short_days", ("releases", "current_id"): "current_id",
    ("releases", "current_created"): "current_created", ("releases", "candidate_id"): "candidate_id",
    ("releases", "candidate_created"): "candidate_created",
    ("changes.device_loss", "source"): "loss_source", ("changes.device_loss", "region"): "loss_region",
    ("changes.device_loss", "date"): "loss_date", ("changes.device_loss", "fraction"): "loss_fraction",
    ("changes.parking_polygons", "brands"): "parking_brands",
    ("changes.parking_polygons", "lot_share"): "lot_share",
    ("changes.places", "opened"): "opened", ("changes.places", "closed"): "closed",
    ("changes.places", "rekeyed"): "rekeyed", ("changes.places", "backfilled"): "backfilled",
    ("changes.category_relabel", "brand"): "relabel_brand", ("changes.category_relabel", "from"): "relabel_from",
    ("changes.category_relabel", "to"): "relabel_to", ("changes.category_relabel", "sub_category"): "relabel_sub",
    ("changes.normalization", "region_scale"): "norm_region_scale",
    ("changes.normalization", "segment_weight"): "norm_segment_weight",
}


def default_settings_path() -> Path:
    """The demo preset's TOML in a source checkout (absent from an installed wheel: built-ins then)."""
    return Path(__file__).resolve().parents[2] / "sample_data" / "simulator.toml"


def load_settings(preset: str = "demo", settings_path: Path | None = None,
                  overrides: Mapping[str, Any] | None = None) -> Settings:
    """Settings for a preset: built-in defaults, then the TOML (demo), then explicit overrides.

    Overrides use Settings field names (plus ``weeks``); they exist so tests can run tiny worlds.
    """
    if preset not in ("demo", "large"):
        raise RelcheckError(f"unknown simulator preset {preset!r}; known: demo, large")
    values: dict[str, Any] = {}
    if preset == "large":
        values.update(LARGE)
    path = settings_path if settings_path is not None else (default_settings_path() if preset == "demo" else None)
    if path is not None:
        if Path(path).exists():
            values.update(_settings_from_toml(Path(path)))
        elif settings_path is not None:
            raise RelcheckError(f"{path}: simulator settings file not found")
    for key, value in (overrides or {}).items():
        if key == "weeks":
            values["days"] = 7 * int(value)
        elif key in Settings.__dataclass_fields__:
            values[key] = value
        else:
            raise RelcheckError(f"unknown simulator setting {key!r}; known: weeks, "
                                + ", ".join(Settings.__dataclass_fields__))
    try:
        settings = Settings(**values)
    except TypeError as exc:
        raise RelcheckError(f"bad simulator settings: {exc}") from None
    settings = _fit_sizes(settings)
    _check_settings(settings)
    return settings


def _stamp(value: Any) -> str:
    """A TOML datetime or a string, as the manifest's UTC timestamp text."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


def _settings_from_toml(path: Path) -> dict[str, Any]:
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RelcheckError(f"{path}: malformed TOML: {exc}") from None
    flat: dict[tuple[str, str], Any] = {}

    sections = {s for s, _ in _TOML_FIELDS}

    def walk(table: Mapping[str, Any], prefix: str) -> None:
        for key, value in table.items():
            name = f"{prefix}.{key}" if prefix else key
            if (prefix, key) in _TOML_FIELDS:
                flat[(prefix, key)] = value
            elif isinstance(value, dict) and any(s == name or s.startswith(name + ".") for s in sections):
                walk(value, name)
            else:
                known = sorted({k for s, k in _TOML_FIELDS if s == prefix})
                raise RelcheckError(f"{path}: unknown setting '{name}'; known here: {', '.join(known) or '(none)'}")

    walk(doc, "")
    out: dict[str, Any] = {}
    for (section, key), value in flat.items():
        target = _TOML_FIELDS[(section, key)]
        if key == "weeks":
            value = 7 * int(value)
        elif target in ("history_ids", "parking_brands", "lot_share"):
            value = tuple(value)
        elif target == "history_created":
            value = tuple(_stamp(v) for v in value)
        elif target in ("current_created", "candidate_created"):
            value = _stamp(value)
        elif target in ("norm_region_scale", "norm_segment_weight"):
            value = tuple(sorted((str(k), float(v)) for k, v in value.items()))
        out[target] = value
    return out


def _fit_sizes(s: Settings) -> Settings:
    """Shrink malls and churn to fit a small world, and keep the device loss inside the window."""
    changes: dict[str, Any] = {}
    per_mall = 1 + s.tenants_per_mall
    if s.malls * per_mall > s.places // 4:
        changes["malls"] = max(1, s.places // (4 * per_mall)) if s.places >= 4 * per_mall else 0
    cap = max(1, s.places // 20)
    for key in ("opened", "closed", "rekeyed", "backfilled"):
        if getattr(s, key) > cap:
            changes[key] = cap
    end = s.start + dt.timedelta(days=s.days - 1)
    if not (s.start < s.loss_date <= end):
        changes["loss_date"] = s.start + dt.timedelta(days=s.days // 2)
    return replace(s, **changes) if changes else s


def _check_settings(s: Settings) -> None:
    if isinstance(s.start, dt.datetime) or not isinstance(s.start, dt.date):
        raise RelcheckError(f"simulator start must be a date, got {s.start!r}")
    if s.days < 7 or s.places < 60:
        raise RelcheckError("simulator needs at least 7 days and 60 places")
    if s.loss_source not in SOURCES or s.loss_region not in REGIONS:
        raise RelcheckError(f"device loss names an unknown source or region: {s.loss_source}, {s.loss_region}")
    brands = {b for c in CATEGORIES for b, _, _ in c.brands}
    unknown = [b for b in (*s.parking_brands, s.relabel_brand) if b not in brands]
    if unknown:
        raise RelcheckError(f"unknown brands in simulator settings: {unknown}; known: {sorted(brands)}")
    for name in (s.relabel_from, s.relabel_to):
        if name not in CAT_INDEX:
            raise RelcheckError(f"unknown category {name!r} in simulator settings")
    ids = [*s.history_ids, s.current_id, s.candidate_id]
    if len(set(ids)) != len(ids) or len(s.history_created) != len(s.history_ids):
        raise RelcheckError("release ids must be unique and each history release needs a created_at")


# ---------------------------------------------------------------------------------------------------------
# The world
# ---------------------------------------------------------------------------------------------------------


def _rng(seed: int, stream: int) -> np.random.Generator:
    """A separate generator per purpose, so sizes of one part never shift another part's draws."""
    return np.random.default_rng(np.random.SeedSequence([seed, stream]))


@dataclass
class World:
    """Places as they truly are, their true demand, and the stop origins attribution starts from."""

    settings: Settings
    n: int
    cat: np.ndarray
    sub: np.ndarray
    region: np.ndarray
    city: np.ndarray
    brand: np.ndarray  # index into brand_names, -1 independent
    brand_names: list[str]
    x: np.ndarray
    y: np.ndarray
    lat0: np.ndarray  # latitude of the place's city centre: the local projection's reference
    area: np.ndarray
    parent: np.ndarray
    names: list[str]
    mix: np.ndarray  # (n, 3) segment shares
    open_day: np.ndarray
    close_day: np.ndarray
    added_in: np.ndarray
    removed_in: np.ndarray
    rekey_in: np.ndarray
    relabel: np.ndarray
    parking: np.ndarray
    ids_old: np.ndarray
    ids_new: np.ndarray
    db_jitter: np.ndarray  # (n, 2) metres: the places database's centroid error
    lot_x: np.ndarray
    lot_y: np.ndarray
    lot_area: np.ndarray
    # origins of stops
    o_place: np.ndarray
    o_x: np.ndarray
    o_y: np.ndarray
    o_sigma: np.ndarray
    o_share: np.ndarray
    o_is_lot: np.ndarray
    demand: np.ndarray  # (n, days) true visits
    region_names: list[str] = field(default_factory=list)
    city_names: list[str] = field(default_factory=list)
    z: np.ndarray | None = None  # (n_origins, K, 2) standard normals for the kernels


def _choice(rng: np.random.Generator, options: Sequence[tuple[int, float]]) -> int:
    vals = np.array([o for o, _ in options])
    w = np.array([p for _, p in options], dtype=float)
    return int(vals[rng.choice(len(vals), p=w / w.sum())])


def _build_world(s: Settings) -> World:
    """Lay out sites (malls, strip centres, standalone places), then demand, churn and ids."""
    rng = _rng(s.seed, 1)
    region_names = list(REGIONS)
    cities: list[tuple[int, str, float, float, float]] = []
    for r, rn in enumerate(region_names):
        for name, lat, lon, w in REGIONS[rn]["cities"]:
            cities.append((r, name, lat, lon, REGION_WEIGHT[rn] * w / sum(c[3] for c in REGIONS[rn]["cities"])))
    city_w = np.array([c[4] for c in cities])
    city_w /= city_w.sum()

    cat: list[int] = []
    city: list[int] = []
    dx: list[float] = []
    dy: list[float] = []
    parent: list[int] = []

    def add(c: int, ci: int, px: float, py: float, par: int = -1) -> int:
        cat.append(c)
        city.append(ci)
        dx.append(px)
        dy.append(py)
        parent.append(par)
        return len(cat) - 1

    # Malls first, from their own stream, so a mall operator's place ids do not depend on the sample size.
    mrng = _rng(s.seed, 2)
    by_size = [int(i) for i in np.argsort(-city_w, kind="stable")]
    for m in range(s.malls):
        ci = by_size[m % len(by_size)]
        cx, cy = mrng.normal(0, 700, 2)
        mi = add(MALL_CAT, ci, cx, cy)
        for _ in range(s.tenants_per_mall):
            ang, rad = mrng.uniform(0, 2 * np.pi), mrng.uniform(25, 130)
            add(_choice(mrng, MALL_TENANT_CATS), ci, cx + rad * np.cos(ang), cy + rad * np.sin(ang), mi)
    standalone = [(i, c.weight) for i, c in enumerate(CATEGORIES) if c.weight > 0]
    target = s.places + s.opened  # places opened in the candidate come on top of the current's count
    while len(cat) < target:
        ci = int(rng.choice(len(cities), p=city_w))
        downtown = rng.random() < 0.35
        cx, cy = rng.normal(0, 650 if downtown else 5500, 2)
        if rng.random() < 0.3:  # a strip centre: an anchor and pads sharing its lot
            add(_choice(rng, STRIP_ANCHORS), ci, cx, cy)
            for _ in range(int(rng.integers(1, 5))):
                if len(cat) >= target:
                    break
                ang, rad = rng.uniform(0, 2 * np.pi), rng.uniform(45, 120)
                add(_choice(rng, STRIP_PADS), ci, cx + rad * np.cos(ang), cy + rad * np.sin(ang))
        else:
            rn = region_names[cities[ci][0]]
            add(_choice(rng, [(c, wt * CATEGORY_REGION_TILT.get((CATEGORIES[c].name, rn), 1.0)) for c, wt in standalone]),
                ci, cx, cy)
    n = len(cat)
    cat_a = np.array(cat, dtype=np.int64)
    city_a = np.array(city, dtype=np.int64)
    region_a = np.array([cities[c][0] for c in city_a], dtype=np.int64)
    lat0 = np.array([cities[c][2] for c in city_a])
    lon0 = np.array([cities[c][3] for c in city_a])
    city_x0 = lon0 * 111_320.0 * np.cos(np.radians(lat0))
    city_y0 = lat0 * 110_540.0
    x = city_x0 + np.array(dx)
    y = city_y0 + np.array(dy)

    # Attributes: sub-category, brand, footprint, base demand, segment mix.
    brand_names = sorted({b for c in CATEGORIES for b, _, _ in c.brands})
    brand_ix = {b: i for i, b in enumerate(brand_names)}
    brand_effect = np.exp(_rng(s.seed, 3).normal(0, 0.15, len(brand_names)))
    sub = np.zeros(n, dtype=np.int64)
    brand = np.full(n, -1, dtype=np.int64)
    area = np.zeros(n)
    base = np.zeros(n)
    for i in range(n):
        c = CATEGORIES[cat_a[i]]
        sub[i] = int(rng.integers(len(c.subs))) if len(c.subs) > 1 and rng.random() < 0.3 else 0
        rn = region_names[region_a[i]]
        if c.brands and rng.random() < c.branded:
            w = np.array([bw * (1.0 if not core or rn in core else 0.1) for _, bw, core in c.brands])
            brand[i] = brand_ix[c.brands[int(rng.choice(len(w), p=w / w.sum()))][0]]
        area[i] = math.exp(rng.uniform(math.log(c.area[0]), math.log(c.area[1])))
        base[i] = c.median * math.exp(rng.normal(0, 0.55))
    # Every chain has a few places, so every brand a stakeholder can name exists (core regions first).
    min_per_brand = max(2, min(4, n // 150))
    for ci, c in enumerate(CATEGORIES):
        for b, _, core in c.brands:
            short = min_per_brand - int((brand == brand_ix[b]).sum())
            if short > 0:
                pool = [int(i) for i in np.flatnonzero((cat_a == ci) & (brand < 0))]
                pool.sort(key=lambda i: region_names[region_a[i]] not in core if core else False)
                brand[pool[:short]] = brand_ix[b]
    base *= np.where(brand >= 0, brand_effect[np.maximum(brand, 0)], 1.0)
    mix = np.array([CATEGORIES[c].mix for c in cat_a], dtype=float)
    tourism = np.array([REGIONS[region_names[r]]["tourism"] for r in region_a])
    mix[:, 2] *= tourism
    mix *= np.exp(rng.normal(0, 0.12, (n, 3)))
    mix /= mix.sum(axis=1, keepdims=True)

    # Churn between places-database versions, from its own stream.
    crng = _rng(s.seed, 4)
    parent_a = np.array(parent, dtype=np.int64)
    tenants = np.flatnonzero(parent_a >= 0)
    movable = np.flatnonzero((cat_a != MALL_CAT) & (parent_a < 0))
    order = crng.permutation(movable)
    k = 0

    def take(count: int) -> np.ndarray:
        nonlocal k
        out = order[k:k + count]
        k += count
        return out

    opened, closed, rekeyed = take(s.opened), take(s.closed), take(s.rekeyed)
    back1, back2 = take(s.backfilled // 2), take(s.backfilled - s.backfilled // 2)
    margin = min(14, s.days // 4)
    open_day = np.zeros(n, dtype=np.int64)
    close_day = np.full(n, s.days, dtype=np.int64)
    added_in = np.zeros(n, dtype=np.int64)
    removed_in = np.full(n, 99, dtype=np.int64)
    rekey_in = np.full(n, 99, dtype=np.int64)
    open_day[opened] = crng.integers(margin, s.days - margin, len(opened))
    added_in[opened] = 3
    close_day[closed] = crng.integers(margin, s.days - margin, len(closed))
    removed_in[closed] = 3
    rekey_in[rekeyed] = 3
    if len(tenants):  # a mall tenant re-keyed: an explicit place list goes stale
        rekey_in[tenants[0]] = 3
    added_in[back1] = 1
    added_in[back2] = 2
    relabel = (brand == brand_ix.get(s.relabel_brand, -2)) & (cat_a == CAT_INDEX[s.relabel_from])
    parking = np.isin(brand, [brand_ix[b] for b in s.parking_brands]) & (cat_a == GROCERY)

    # Grocery parking lots: a share of the store's stops lands there, 85-120 m from the store centroid.
    lot_x = np.full(n, np.nan)
    lot_y = np.full(n, np.nan)
    lot_area = np.zeros(n)
    lot_share = np.zeros(n)
    grocery = np.flatnonzero(cat_a == GROCERY)
    ang = crng.uniform(0, 2 * np.pi, len(grocery))
    rad = crng.uniform(85, 120, len(grocery))
    lot_x[grocery] = x[grocery] + rad * np.cos(ang)
    lot_y[grocery] = y[grocery] + rad * np.sin(ang)
    lot_area[grocery] = crng.uniform(4000, 8000, len(grocery))
    lot_share[grocery] = crng.uniform(*s.lot_share, len(grocery))

    # Origins: every place's footprint, and every lot.
    fp_sigma = FOOTPRINT_SIGMA_PER_SQRT_M2 * np.sqrt(area)
    o_place = np.concatenate([np.arange(n), grocery])
    o_x = np.concatenate([x, lot_x[grocery]])
    o_y = np.concatenate([y, lot_y[grocery]])
    o_sigma = np.concatenate([fp_sigma, np.full(len(grocery), 20.0)])
    o_share = np.concatenate([1.0 - lot_share, lot_share[grocery]])
    o_is_lot = np.concatenate([np.zeros(n, bool), np.ones(len(grocery), bool)])

    ids_old, ids_new = _placekeys(s.seed, x, y, rekey_in < 99)
    names = _names(s.seed, cat_a, brand, brand_names, city_a, [c[1] for c in cities])
    demand = _demand(s, cat_a, region_a, base, open_day, close_day)
    kr = _rng(s.seed, 5)
    z = kr.standard_normal((len(o_place), s.kernel_samples, 2))
    jitter = _rng(s.seed, 6).normal(0, 4.0, (n, 2))
    return World(
        settings=s, n=n, cat=cat_a, sub=sub, region=region_a, city=city_a, brand=brand, brand_names=brand_names,
        x=x, y=y, lat0=lat0, area=area, parent=parent_a,
        names=names, mix=mix, open_day=open_day, close_day=close_day, added_in=added_in, removed_in=removed_in,
        rekey_in=rekey_in, relabel=relabel, parking=parking, ids_old=ids_old, ids_new=ids_new,
        db_jitter=jitter, lot_x=lot_x, lot_y=lot_y, lot_area=lot_area, o_place=o_place, o_x=o_x, o_y=o_y,
        o_sigma=o_sigma, o_share=o_share, o_is_lot=o_is_lot, demand=demand, region_names=region_names,
        city_names=[c[1] for c in cities], z=z,
    )


def _demand(s: Settings, cat: np.ndarray, region: np.ndarray, base: np.ndarray, open_day: np.ndarray,
            close_day: np.ndarray) -> np.ndarray:
    """True visits per place and day: weekday and seasonal shape, holidays, regional weather, noise."""
    rng = _rng(s.seed, 7)
    dates = s.dates
    weekday = (dates.astype("datetime64[D]").astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    doy = (dates - dates.astype("datetime64[Y]")).astype(np.int64) + 1
    n_cat = len(CATEGORIES)
    shape = np.ones((n_cat, s.days))
    for ci, c in enumerate(CATEGORIES):
        dow = np.array(c.dow) / np.mean(c.dow)
        amp, peak = c.season
        shape[ci] = dow[weekday] * (1 + amp * np.cos(2 * np.pi * (doy - peak) / 365.25))
    for day, mult in HOLIDAYS.items():
        off = (np.datetime64(day) - dates[0]).astype(np.int64)
        if 0 <= off < s.days:
            for ci, c in enumerate(CATEGORIES):
                shape[ci, off] *= mult.get(c.name, mult["*"])
    regday = np.exp(rng.normal(0, 0.035, (len(REGIONS), s.days)))
    regday *= np.where(rng.random((len(REGIONS), s.days)) < 0.07, rng.uniform(0.75, 0.9, (len(REGIONS), s.days)), 1.0)
    cv = 0.12
    noise = rng.gamma(1 / cv**2, cv**2, (len(base), s.days))
    d = base[:, None] * shape[cat] * regday[region] * noise
    days = np.arange(s.days)
    d *= (days[None, :] >= open_day[:, None]) & (days[None, :] < close_day[:, None])
    return d


def _splitmix(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        z = x + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def _placekeys(seed: int, x: np.ndarray, y: np.ndarray, rekeyed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Placekey-style ids what@where: 'where' from a ~65 m grid cell, 'what' random; re-keys change 'what'."""
    cell = (np.floor(x / 65).astype(np.int64) * 1_000_003 + np.floor(y / 65).astype(np.int64)).astype(np.uint64)
    h = _splitmix(cell ^ _splitmix(np.uint64(seed) * np.ones(1, np.uint64))[0])
    where_digits = np.stack([(h >> np.uint64(5 * i)) % np.uint64(28) for i in range(9)], axis=1).astype(np.int64)
    rng = _rng(seed, 8)
    n = len(x)

    def whats(count: int) -> np.ndarray:
        return rng.integers(0, 28, (count, 6))

    def fmt(what: np.ndarray) -> np.ndarray:
        a = PLACEKEY_ALPHABET
        w = ["".join(a[r[:3]]) + "-" + "".join(a[r[3:]]) for r in what]
        wh = ["".join(a[r[:3]]) + "-" + "".join(a[r[3:6]]) + "-" + "".join(a[r[6:]]) for r in where_digits]
        return np.array([f"{p}@{q}" for p, q in zip(w, wh, strict=True)], dtype=object)

    old = fmt(whats(n))
    new_what = whats(n)
    new = fmt(new_what)
    new = np.where(rekeyed, new, old)
    # Extremely unlikely collisions are resolved deterministically by suffixing the 'what' part.
    for arr in (old, new):
        seen: dict[str, int] = {}
        for i, v in enumerate(arr):
            if v in seen and seen[v] != i:
                arr[i] = v.replace("@", f"-{i % 1000:03d}@", 1)
            seen[arr[i]] = i
    return old, new


def _names(seed: int, cat: np.ndarray, brand: np.ndarray, brand_names: list[str], city: np.ndarray,
           city_names: list[str]) -> list[str]:
    rng = _rng(seed, 9)
    counters: dict[tuple[str, int], int] = {}
    out: list[str] = []
    for i in range(len(cat)):
        c = CATEGORIES[cat[i]]
        if cat[i] == MALL_CAT:
            out.append(f"{city_names[city[i]]} {MALL_NOUNS[int(rng.integers(len(MALL_NOUNS)))]}")
        elif brand[i] >= 0:
            key = (brand_names[brand[i]], int(city[i]))
            counters[key] = counters.get(key, 0) + 1
            out.append(f"{key[0]} {city_names[city[i]]} #{counters[key]}")
        else:
            out.append(f"{INDEPENDENT_WORDS[int(rng.integers(len(INDEPENDENT_WORDS)))]} {CATEGORY_NOUNS[c.name]}")
    return out


# ---------------------------------------------------------------------------------------------------------
# Pipeline components
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    """A pipeline configuration: one version string per component."""

    versions: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, versions: Mapping[str, str]) -> Config:
        return cls(tuple((c, versions[c]) for c in COMPONENTS))

    def __getitem__(self, component: str) -> str:
        return dict(self.versions)[component]

    def as_dict(self) -> dict[str, str]:
        return dict(self.versions)

    @property
    def stops_key(self) -> tuple[Any, ...]:
        """What the attributed panel stops depend on (everything but normalization)."""
        return (self["source_ingest"], POI_DB_VERSIONS[self["poi_db"]],
                STOP_DETECTION_VERSIONS[self["stop_detection"]], ATTRIBUTION_VERSIONS[self["attribution"]])

    @property
    def norm_key(self) -> tuple[Any, ...]:
        return (NORMALIZATION_VERSIONS[self["normalization"]], SOURCE_INGEST_VERSIONS[self["source_ingest"]]["sources"])


class Pipeline:
    """Applies component versions to one world; kernels and listings are cached across runs."""

    def __init__(self, world: World) -> None:
        self.w = world
        self.s = world.settings
        self._kernels: dict[tuple[int, str, str], sparse.csr_matrix] = {}
        self.G = len(SEGMENTS) if self.s.segments else 1
        reg = [REGIONS[r] for r in world.region_names]
        share = np.array([[SOURCE_SHARE[src] * SOURCE_REGION_TILT.get((src, rn), 1.0) for src in SOURCES]
                          for rn in world.region_names])
        share /= share.sum(axis=1, keepdims=True)
        self.coverage = share * np.array([r["panel"] for r in reg])[:, None]  # (regions, sources)

    # -- poi_db ------------------------------------------------------------------------------------------
    def listed(self, db: int) -> np.ndarray:
        w = self.w
        return (w.added_in <= db) & (w.removed_in > db)

    def first_day(self, db: int) -> np.ndarray:
        """First day a listed place has rows: a database that knows an opening date honours it."""
        w = self.w
        return np.where((w.added_in >= 3) & (w.added_in <= db), w.open_day, 0)

    def ids(self, db: int) -> np.ndarray:
        w = self.w
        return np.where(w.rekey_in <= db, w.ids_new, w.ids_old)

    def categories(self, db: int) -> np.ndarray:
        w = self.w
        to = CAT_INDEX[self.s.relabel_to]
        return np.where(w.relabel & (db >= 3), to, w.cat)

    def polygons(self, db: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Centroid (x, y) and building area per place as that database version has them."""
        w = self.w
        return w.x + w.db_jitter[:, 0], w.y + w.db_jitter[:, 1], w.area

    def lot_in_polygon(self, db: int) -> np.ndarray:
        """Places whose polygon in this database version includes their parking lot."""
        return self.w.parking & (db >= 3)

    def places_table(self, db: int) -> pa.Table:
        w = self.w
        idx = np.flatnonzero(self.listed(db))
        ids = self.ids(db)
        order = idx[np.argsort(ids[idx].astype(str), kind="stable")]
        cats = self.categories(db)
        px, py, _ = self.polygons(db)
        lat = (py / 110_540.0)[order]
        lon = (px / (111_320.0 * np.cos(np.radians(w.lat0))))[order]
        par = w.parent[order]
        subs = []
        for i in order:
            c = CATEGORIES[cats[i]]
            subs.append(self.s.relabel_sub if (w.relabel[i] and db >= 3) else c.subs[w.sub[i] % len(c.subs)])
        return pa.table({
            "place_id": pa.array(ids[order].astype(str).tolist(), pa.string()),
            "name": pa.array([w.names[i] for i in order], pa.string()),
            "brand": pa.array([w.brand_names[b] if b >= 0 else None for b in w.brand[order]], pa.string()),
            "category": pa.array([CATEGORIES[c].name for c in cats[order]], pa.string()),
            "region": pa.array([w.region_names[r] for r in w.region[order]], pa.string()),
            "city": pa.array([w.city_names[c] for c in w.city[order]], pa.string()),
            "sub_category": pa.array(subs, pa.string()),
            "parent_place_id": pa.array([str(ids[p]) if p >= 0 else None for p in par], pa.string()),
            "latitude": pa.array(np.round(lat, 6), pa.float64()),
            "longitude": pa.array(np.round(lon, 6), pa.float64()),
        })

    # -- attribution -------------------------------------------------------------------------------------
    def _neighbours(self, db: int, src: str) -> tuple[np.ndarray, np.ndarray]:
        """The nearest listed places of every scattered stop sample (distance, world index; -1 = none)."""
        w = self.w
        listed = np.flatnonzero(self.listed(db))
        px, py, _ = self.polygons(db)
        tree = cKDTree(np.c_[px[listed], py[listed]])
        sig = np.sqrt(w.o_sigma**2 + SOURCE_SIGMA_M[src] ** 2)
        assert w.z is not None
        pts = np.stack([w.o_x, w.o_y], axis=1)[:, None, :] + w.z * sig[:, None, None]
        k = min(NEIGHBOURS, len(listed))
        dist, ix = tree.query(pts.reshape(-1, 2), k=k, distance_upper_bound=400.0)
        dist = dist.reshape(-1, k)
        ix = ix.reshape(-1, k)
        valid = ix < len(listed)
        place = np.where(valid, listed[np.minimum(ix, len(listed) - 1)], -1)
        return np.where(valid, dist, np.inf), place

    def kernel(self, db: int, method: str, src: str) -> sparse.csr_matrix:
        """Origin -> listed place assignment shares for one source (rows: origins, columns: world places)."""
        key = (db, method, src)
        if key not in self._kernels:
            dist, place = self._neighbours(db, src)  # both methods from one query, then dropped (memory)
            for m in ("point_radius", "gauss"):
                self._kernels[(db, m, src)] = self._assign(db, m, src, dist, place)
        return self._kernels[key]

    def _assign(self, db: int, method: str, src: str, dist: np.ndarray, place: np.ndarray) -> sparse.csr_matrix:
        w = self.w
        K = self.s.kernel_samples
        if method == "point_radius":
            chosen = np.where(dist[:, 0] <= POINT_RADIUS_M, place[:, 0], -1)
        else:
            area = self.polygons(db)[2]
            fp = FOOTPRINT_SIGMA_PER_SQRT_M2 * np.sqrt(area)
            sig2 = fp[np.maximum(place, 0)] ** 2 + SOURCE_SIGMA_M[src] ** 2
            score = np.where(np.isfinite(dist), -dist**2 / (2 * sig2) - np.log(sig2), -np.inf)
            best = np.argmax(score, axis=1)
            rows = np.arange(len(best))
            ok = dist[rows, best] <= np.minimum(GAUSS_CUTOFF_SIGMAS * np.sqrt(sig2[rows, best]), GAUSS_MAX_M)
            chosen = np.where(ok, place[rows, best], -1)
        origin = np.repeat(np.arange(len(w.o_x)), K)
        # Polygon containment comes first: a stop inside a lot that a polygon includes belongs to its store.
        lot_owner = w.o_is_lot & self.lot_in_polygon(db)[w.o_place]
        if lot_owner.any():
            assert w.z is not None
            sig = np.sqrt(w.o_sigma**2 + SOURCE_SIGMA_M[src] ** 2)
            radius = np.sqrt((w.z**2).sum(axis=2)) * sig[:, None]  # (origins, K) distance from the lot centre
            inside = (radius <= np.sqrt(w.lot_area[w.o_place] / np.pi)[:, None]) & lot_owner[:, None]
            chosen = np.where(inside.ravel(), w.o_place[origin], chosen)
        keep = chosen >= 0
        m = sparse.csr_matrix((np.full(int(keep.sum()), 1.0 / K), (origin[keep], chosen[keep])),
                              shape=(len(w.o_x), w.n))
        m.sum_duplicates()
        return m

    # -- source_ingest, stop_detection, attribution: expected attributed stops --------------------------------
    def attributed(self, cfg: Config) -> np.ndarray:
        """Expected attributed panel stops, shape (places, days, sources, segments)."""
        w, s = self.w, self.s
        si = SOURCE_INGEST_VERSIONS[cfg["source_ingest"]]
        db = POI_DB_VERSIONS[cfg["poi_db"]]
        dwell = STOP_DETECTION_VERSIONS[cfg["stop_detection"]]
        method = ATTRIBUTION_VERSIONS[cfg["attribution"]]
        o_cat = w.cat[w.o_place]
        detect = np.ones(len(o_cat))
        if dwell >= 5:
            detect = 1.0 - np.array([SHORT_DWELL_LOSS.get(int(c), 0.02) for c in o_cat])
        o_region = w.region[w.o_place]
        base = w.demand[w.o_place] * (w.o_share * detect)[:, None]  # (origins, days)
        mix = w.mix[w.o_place] if s.segments else np.ones((len(o_cat), 1))
        out = np.zeros((w.n, s.days, len(SOURCES), self.G))
        loss_day = int((np.datetime64(s.loss_date) - np.datetime64(s.start)).astype(np.int64))
        loss_r = w.region_names.index(s.loss_region)
        for j, src in enumerate(SOURCES):
            if src not in si["sources"]:
                continue
            stops = base * self.coverage[o_region, j][:, None]
            if si["device_loss"] and src == s.loss_source:
                hit = o_region == loss_r
                stops[np.ix_(hit, np.arange(s.days) >= loss_day)] *= 1.0 - s.loss_fraction
            x = (stops[:, :, None] * mix[:, None, :]).reshape(len(o_cat), s.days * self.G)
            a = self.kernel(db, method, src).T @ x
            out[:, :, j, :] = np.asarray(a).reshape(w.n, s.days, self.G)
        return out

    # -- normalization -----------------------------------------------------------------------------------
    def factors(self, cfg: Config) -> np.ndarray:
        """Visits per raw panel visit, per place and segment: population over devices, re-weighted."""
        w, s = self.w, self.s
        version, sources = cfg.norm_key
        region_scale = {r: 1.0 for r in w.region_names}
        seg_w = {g: 1.0 for g in SEGMENTS}
        if version >= 2:
            region_scale.update(dict(s.norm_region_scale))
            seg_w.update(dict(s.norm_segment_weight))
        cov = self.coverage[:, [SOURCES.index(x) for x in sources]].sum(axis=1)  # (regions,)
        per_region = np.array([region_scale[r] for r in w.region_names]) * CALIBRATION / cov
        f = per_region[w.region]
        segw = np.array([seg_w[g] for g in SEGMENTS])
        if s.segments:
            return f[:, None] * segw[None, :]
        return (f * (w.mix @ segw))[:, None]


def poisson_quantile(u: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Inverse Poisson CDF at u, vectorised: exact running sum for small means, Cornish-Fisher above 30.

    Using a fixed u per cell (common random numbers) makes the count a monotone function of its mean, so a
    component that lowers a mean by 20% lowers the counts by about 20% and leaves every other cell alone.
    """
    u = np.asarray(u, dtype=np.float64).ravel()
    lam = np.asarray(lam, dtype=np.float64).ravel()
    out = np.zeros(lam.shape, dtype=np.int64)
    big = lam >= 30.0
    if big.any():
        lb = lam[big]
        z = special.ndtri(np.clip(u[big], 1e-12, 1 - 1e-12))
        out[big] = np.maximum(0, np.floor(lb + z * np.sqrt(lb) + (z * z - 1) / 6 + 0.5)).astype(np.int64)
    idx = np.flatnonzero(~big & (lam > 0))
    if idx.size:
        lm, uu = lam[idx], u[idx]
        p = np.exp(-lm)
        cdf = p.copy()
        k = 0
        while idx.size:
            more = uu > cdf
            idx, lm, uu, p, cdf = idx[more], lm[more], uu[more], p[more], cdf[more]
            k += 1
            out[idx] = k
            p = p * lm / k
            cdf = cdf + p
            if k > 200:
                break
    return out


def cell_uniforms(seed: int, places: np.ndarray, days: int, n_sources: int, n_segments: int) -> np.ndarray:
    """A fixed uniform per (world place, day, source, segment), independent of chunking or run."""
    q = places.astype(np.uint64)[:, None, None, None]
    d = np.arange(days, dtype=np.uint64)[None, :, None, None]
    src = np.arange(n_sources, dtype=np.uint64)[None, None, :, None]
    g = np.arange(n_segments, dtype=np.uint64)[None, None, None, :]
    key = ((q * np.uint64(4096) + d) * np.uint64(16) + src) * np.uint64(8) + g
    salt = _splitmix(np.array([seed * 7919 + 17], dtype=np.uint64))[0]
    h = _splitmix(key ^ salt)
    return ((h >> np.uint64(11)).astype(np.float64) + 0.5) * (1.0 / 9007199254740992.0)


# ---------------------------------------------------------------------------------------------------------
# Runs: releases, ablations and the lattice
# ---------------------------------------------------------------------------------------------------------


@dataclass
class ReleaseSpec:
    """A release folder to write."""

    release_id: str
    kind: str
    base: str | None
    created_at: str
    description: str
    config: Config
    days: int


@dataclass
class RunTotals:
    """What the ground truth needs from a run: totals per place, per region x source x day, per segment."""

    place: np.ndarray
    region_source_day: np.ndarray
    segment: np.ndarray

    @property
    def total(self) -> float:
        return float(self.place.sum())


@dataclass(frozen=True)
class SampleResult:
    """Release folders in ingestion order (history, current, candidate, ablations) and the ground truth."""

    out_dir: Path
    release_dirs: list[Path]
    release_ids: list[str]
    current_id: str
    candidate_id: str
    ground_truth: Path
    preset: str
    seed: int


def subset_config(current: Config, candidate: Config, swapped: Iterable[str]) -> Config:
    """The current configuration with the given components set to the candidate's versions."""
    sw = set(swapped)
    return Config.of({c: (candidate[c] if c in sw else current[c]) for c in COMPONENTS})


def _release_plan(s: Settings) -> list[ReleaseSpec]:
    cur, cand = Config.of(CURRENT_VERSIONS), Config.of(CANDIDATE_VERSIONS)
    plan: list[ReleaseSpec] = []
    if s.write_history:
        for rid, created, versions, desc in zip(s.history_ids, s.history_created, HISTORY_VERSIONS,
                                                HISTORY_DESCRIPTIONS, strict=False):
            plan.append(ReleaseSpec(rid, "release", None, created, desc, Config.of(versions),
                                    s.days - s.history_short_days))
    plan.append(ReleaseSpec(s.current_id, "release", None, s.current_created, CURRENT_DESCRIPTION, cur, s.days))
    plan.append(ReleaseSpec(s.candidate_id, "release", None, s.candidate_created, CANDIDATE_DESCRIPTION, cand, s.days))
    if s.write_ablations:
        built = dt.datetime.fromisoformat(s.candidate_created.replace("Z", "+00:00")) + dt.timedelta(hours=2)
        for i, comp in enumerate(COMPONENTS):
            stamp = (built + dt.timedelta(minutes=10 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
            plan.append(ReleaseSpec(
                f"{s.candidate_id}-abl-{comp}", "ablation", s.current_id, stamp,
                f"ablation: {s.current_id} rebuilt with {comp} = {cand[comp]} from {s.candidate_id} "
                f"(one component swapped)",
                subset_config(cur, cand, [comp]), s.days))
        for i, comp in enumerate(COMPONENTS):
            stamp = (built + dt.timedelta(minutes=10 * (i + len(COMPONENTS)))).strftime("%Y-%m-%dT%H:%M:%SZ")
            others = [c for c in COMPONENTS if c != comp]
            plan.append(ReleaseSpec(
                f"{s.candidate_id}-abl-all-but-{comp}", "ablation", s.current_id, stamp,
                f"ablation: {s.candidate_id} without its {comp} change ({s.current_id} rebuilt with every "
                f"component but {comp} at {s.candidate_id}'s versions)",
                subset_config(cur, cand, others), s.days))
    return plan


def _toml_str(v: str) -> str:
    return json.dumps(v, ensure_ascii=False)


def _manifest(spec: ReleaseSpec) -> str:
    lines = [
        f"release_id  = {_toml_str(spec.release_id)}",
        f"created_at  = {spec.created_at}",
        f"description = {_toml_str(spec.description)}",
        f"kind        = {_toml_str(spec.kind)}",
    ]
    if spec.base:
        lines.append(f"base        = {_toml_str(spec.base)}")
    lines.append("")
    lines.append("[components]")
    for c in COMPONENTS:
        lines.append(f"{c:<14} = {_toml_str(spec.config[c])}")
    return "\n".join(lines) + "\n"


def _visits_schema(segments: bool) -> pa.Schema:
    fields = [
        pa.field("place_id", pa.string(), nullable=False),
        pa.field("date", pa.date32(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("visits", pa.float64(), nullable=False),
        pa.field("raw_visits", pa.int64(), nullable=False),
    ]
    if segments:
        fields.append(pa.field("segment", pa.string(), nullable=False))
    return pa.schema(fields)


class _Writer:
    """One release's visits.parquet, written chunk by chunk in place_id order."""

    def __init__(self, spec: ReleaseSpec, folder: Path, pipe: Pipeline) -> None:
        self.spec = spec
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.tmp = folder / "visits.parquet.tmp"
        self.schema = _visits_schema(pipe.s.segments)
        self.writer = pq.ParquetWriter(self.tmp, self.schema, compression="zstd")
        sources = SOURCE_INGEST_VERSIONS[spec.config["source_ingest"]]["sources"]
        self.src_mask = np.array([x in sources for x in SOURCES])

    def write(self, ids: np.ndarray, first_day: np.ndarray, raw: np.ndarray, visits: np.ndarray,
              start: np.datetime64, segments: bool) -> None:
        nq, nd, ns, ng = raw.shape
        nd = min(nd, self.spec.days)
        raw = raw[:, :nd][:, :, self.src_mask]
        visits = visits[:, :nd][:, :, self.src_mask]
        ns = raw.shape[2]
        day = np.arange(nd)
        keep = np.broadcast_to((day[None, :] >= first_day[:, None])[:, :, None, None], raw.shape).ravel()
        per_place = nd * ns * ng
        place_ix = np.repeat(np.arange(nq, dtype=np.int32), per_place)[keep]
        date_ix = np.tile(np.repeat(day.astype(np.int32), ns * ng), nq)[keep]
        src_ix = np.tile(np.repeat(np.arange(ns, dtype=np.int32), ng), nq * nd)[keep]
        epoch = int(start.astype("datetime64[D]").astype(np.int64))
        src_names = pa.array([x for x, m in zip(SOURCES, self.src_mask, strict=True) if m], pa.string())
        cols = {
            "place_id": pa.array(ids.astype(str).tolist(), pa.string()).take(pa.array(place_ix)),
            "date": pa.array((date_ix + epoch).astype(np.int32), pa.int32()).cast(pa.date32()),
            "source": src_names.take(pa.array(src_ix)),
            "visits": pa.array(visits.ravel()[keep], pa.float64()),
            "raw_visits": pa.array(raw.ravel()[keep], pa.int64()),
        }
        if segments:
            seg_ix = np.tile(np.arange(ng, dtype=np.int32), nq * nd * ns)[keep]
            cols["segment"] = pa.array(list(SEGMENTS), pa.string()).take(pa.array(seg_ix))
        self.writer.write_table(pa.table(cols, schema=self.schema))

    def close(self, places: pa.Table) -> None:
        self.writer.close()
        os.replace(self.tmp, self.folder / "visits.parquet")
        _write_parquet(places, self.folder / "places.parquet")
        _write_text(self.folder / "release.toml", _manifest(self.spec))


def _write_parquet(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def generate(out_dir: Path, preset: str = "demo", settings_path: Path | None = None,
             progress: Progress | None = None, overrides: Mapping[str, Any] | None = None) -> SampleResult:
    """Simulate the pipeline and write release folders plus ``ground_truth.json`` into ``out_dir``.

    Deterministic: the same settings give byte-identical files. Every run (written or only totalled for
    the 2^5 lattice) is computed from the same world and draws, so differences come from components only.
    """
    s = load_settings(preset, settings_path, overrides)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    world = _build_world(s)
    pipe = Pipeline(world)
    plan = _release_plan(s)
    cur, cand = Config.of(CURRENT_VERSIONS), Config.of(CANDIDATE_VERSIONS)
    lattice = {mask: subset_config(cur, cand, [c for i, c in enumerate(COMPONENTS) if mask >> i & 1])
               for mask in range(1 << len(COMPONENTS))}
    # Group every run by what its raw counts depend on, so each group's counts are computed once.
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    for spec in plan:
        groups.setdefault(spec.config.stops_key, {"configs": {}, "writes": []})["writes"].append(spec)
    for cfg in lattice.values():
        groups.setdefault(cfg.stops_key, {"configs": {}, "writes": []})["configs"][cfg] = None
    totals: dict[Config, RunTotals] = {}
    n_written, n_groups = 0, len(groups)
    for gi, (_, group) in enumerate(groups.items()):
        writes: list[ReleaseSpec] = group["writes"]
        first = writes[0].config if writes else next(iter(group["configs"]))
        configs: list[Config] = list(dict.fromkeys([*group["configs"], *(w.config for w in writes)]))
        done = _run_group(pipe, first, configs, writes, out_dir, totals)
        for _ in range(done):
            n_written += 1
            if progress:
                progress("write releases", n_written, len(plan))
        if progress:
            progress("simulate runs", gi + 1, n_groups)
    gt = _ground_truth(pipe, plan, lattice, totals)
    gt_path = out_dir / "ground_truth.json"
    _write_text(gt_path, json.dumps(gt, indent=1, sort_keys=False, allow_nan=False) + "\n")
    if progress:
        progress("ground truth", 1, 1)
    return SampleResult(out_dir=out_dir, release_dirs=[out_dir / r.release_id for r in plan],
                        release_ids=[r.release_id for r in plan], current_id=s.current_id,
                        candidate_id=s.candidate_id, ground_truth=gt_path, preset=s.preset, seed=s.seed)


def _run_group(pipe: Pipeline, cfg: Config, configs: list[Config], writes: list[ReleaseSpec], out_dir: Path,
               totals: dict[Config, RunTotals]) -> int:
    """Compute one stops configuration's counts in place chunks; write its releases, total its runs."""
    w, s = pipe.w, pipe.s
    db = POI_DB_VERSIONS[cfg["poi_db"]]
    listed = np.flatnonzero(pipe.listed(db))
    ids = pipe.ids(db)
    order = listed[np.argsort(ids[listed].astype(str), kind="stable")]
    first_day = pipe.first_day(db)
    expected = pipe.attributed(cfg)
    factors = {c: pipe.factors(c) for c in configs}
    writers = [_Writer(spec, out_dir / spec.release_id, pipe) for spec in writes]
    acc = {c: RunTotals(np.zeros(w.n), np.zeros((len(REGIONS), len(SOURCES), s.days)), np.zeros(pipe.G))
           for c in configs}
    start = np.datetime64(s.start, "D")
    for lo in range(0, len(order), s.chunk_places):
        qs = order[lo:lo + s.chunk_places]
        lam = expected[qs]
        u = cell_uniforms(s.seed, qs, s.days, len(SOURCES), pipe.G)
        raw = poisson_quantile(u, lam).reshape(lam.shape)
        fd = first_day[qs]
        mask = (np.arange(s.days)[None, :] >= fd[:, None])[:, :, None, None]
        raw = raw * mask
        by_norm: dict[tuple[Any, ...], np.ndarray] = {}
        for c in configs:
            if c.norm_key not in by_norm:
                by_norm[c.norm_key] = raw * factors[c][qs][:, None, None, :]
            vis = by_norm[c.norm_key]
            a = acc[c]
            a.place[qs] += vis.sum(axis=(1, 2, 3))
            per = vis.sum(axis=3)  # (q, days, sources)
            for r in range(len(REGIONS)):
                a.region_source_day[r] += per[w.region[qs] == r].sum(axis=0).T
            a.segment += vis.sum(axis=(0, 1, 2))
        for wr in writers:
            vis = by_norm[wr.spec.config.norm_key]
            wr.write(ids[qs], fd, raw, vis, start, s.segments)
    for wr in writers:
        wr.close(pipe.places_table(db))
    totals.update(acc)
    return len(writers)


# ---------------------------------------------------------------------------------------------------------
# Ground truth
# ---------------------------------------------------------------------------------------------------------


def exact_shapley(values: Sequence[float], n: int) -> list[float]:
    """Exact Shapley values from v over all 2^n subsets (index = bit mask of the players in the subset)."""
    fact = [math.factorial(i) for i in range(n + 1)]
    phi = []
    for i in range(n):
        total = 0.0
        for mask in range(1 << n):
            if mask >> i & 1:
                continue
            k = bin(mask).count("1")
            total += fact[k] * fact[n - k - 1] / fact[n] * (values[mask | 1 << i] - values[mask])
        phi.append(total)
    return phi


def _scope_block(values: list[float], n: int) -> dict[str, Any]:
    full, empty = (1 << n) - 1, 0
    phi = exact_shapley(values, n)
    first = [values[1 << i] - values[empty] for i in range(n)]
    paired = [0.5 * ((values[1 << i] - values[empty]) + (values[full] - values[full & ~(1 << i)])) for i in range(n)]
    delta = values[full] - values[empty]
    return {
        "v_current": values[empty],
        "v_candidate": values[full],
        "delta": delta,
        "shapley": {c: phi[i] for i, c in enumerate(COMPONENTS)},
        "first_order": {c: first[i] for i, c in enumerate(COMPONENTS)},
        "paired_oat": {c: paired[i] for i, c in enumerate(COMPONENTS)},
        "paired_oat_interaction": delta - sum(paired),
        "first_order_interaction": delta - sum(first),
        "v": [{"mask": m, "swapped": [c for i, c in enumerate(COMPONENTS) if m >> i & 1], "total": values[m]}
              for m in range(1 << n)],
    }


def _pct(a: float, b: float) -> float | None:
    return None if a == 0 else 100.0 * (b - a) / a


def _ground_truth(pipe: Pipeline, plan: list[ReleaseSpec], lattice: dict[int, Config],
                  totals: dict[Config, RunTotals]) -> dict[str, Any]:
    w, s = pipe.w, pipe.s
    n = len(COMPONENTS)
    cur, cand = lattice[0], lattice[(1 << n) - 1]
    db_of = {m: POI_DB_VERSIONS[c["poi_db"]] for m, c in lattice.items()}
    cats_of = {db: pipe.categories(db) for db in set(db_of.values())}
    brands = w.brand_names

    def scope_values(select: Callable[[int, RunTotals], float]) -> list[float]:
        return [select(m, totals[lattice[m]]) for m in range(1 << n)]

    scopes: dict[str, dict[str, Any]] = {"all": _scope_block(scope_values(lambda m, t: t.total), n)}
    for r, rn in enumerate(w.region_names):
        scopes[f"region:{rn}"] = _scope_block(scope_values(lambda m, t, r=r: float(t.place[w.region == r].sum())), n)
    for ci, c in enumerate(CATEGORIES):
        scopes[f"category:{c.name}"] = _scope_block(
            scope_values(lambda m, t, ci=ci: float(t.place[cats_of[db_of[m]] == ci].sum())), n)
    for bi, b in enumerate(brands):
        scopes[f"brand:{b}"] = _scope_block(scope_values(lambda m, t, bi=bi: float(t.place[w.brand == bi].sum())), n)
    for j, src in enumerate(SOURCES):
        scopes[f"source:{src}"] = _scope_block(
            scope_values(lambda m, t, j=j: float(t.region_source_day[:, j, :].sum())), n)
    if s.segments:
        for g, seg in enumerate(SEGMENTS):
            scopes[f"segment:{seg}"] = _scope_block(scope_values(lambda m, t, g=g: float(t.segment[g])), n)

    changes = _changes(pipe, lattice, totals)
    return {
        "generator": "dashboard.simulator",
        "preset": s.preset,
        "seed": s.seed,
        "settings": {"places_in_world": w.n, "days": s.days, "start": s.start.isoformat(),
                     "end": (s.start + dt.timedelta(days=s.days - 1)).isoformat(), "segments": s.segments,
                     "sources": list(SOURCES), "regions": w.region_names},
        "pair": {"current": s.current_id, "candidate": s.candidate_id},
        "window": {"start": s.start.isoformat(), "end": (s.start + dt.timedelta(days=s.days - 1)).isoformat()},
        "components": list(COMPONENTS),
        "versions": {"current": cur.as_dict(), "candidate": cand.as_dict()},
        "releases": [{"release_id": r.release_id, "kind": r.kind, "base": r.base,
                      "swapped": [c for c in COMPONENTS if r.config[c] != cur[c]] if r.kind == "ablation" else None,
                      "components": r.config.as_dict(), "days": r.days} for r in plan],
        "changes": changes,
        "attribution_truth": {
            "metric": "visits (sum over the common window, all sources and segments)",
            "method": "exact Shapley over the full 2^5 lattice of component subsets; v(S) = the scope's visits in "
                      "the current release rebuilt with the components in S at the candidate's versions",
            "category_labels": "per run: each run's own places table (as relcheck resolves scopes per release), "
                               "so a relabel shows as a poi_db contribution",
            "mask_bits": {c: 1 << i for i, c in enumerate(COMPONENTS)},
            "scopes": scopes,
        },
    }


def _changes(pipe: Pipeline, lattice: dict[int, Config], totals: dict[Config, RunTotals]) -> list[dict[str, Any]]:
    """The injected changes, each owned by one component, with the magnitude measured in its one-swap run."""
    w, s = pipe.w, pipe.s
    bit = {c: 1 << i for i, c in enumerate(COMPONENTS)}
    full = (1 << len(COMPONENTS)) - 1
    cur_t, cand_t = totals[lattice[0]], totals[lattice[full]]
    db_cur, db_cand = POI_DB_VERSIONS[lattice[0]["poi_db"]], POI_DB_VERSIONS[lattice[full]["poi_db"]]
    ids_cur, ids_cand = pipe.ids(db_cur), pipe.ids(db_cand)
    days = np.arange(s.days)
    loss_day = int((np.datetime64(s.loss_date) - np.datetime64(s.start)).astype(np.int64))
    r = w.region_names.index(s.loss_region)
    j = SOURCES.index(s.loss_source)

    def cell(t: RunTotals, after: bool) -> float:
        sel = days >= loss_day if after else days < loss_day
        return float(t.region_source_day[r, j, sel].sum())

    si_t = totals[lattice[bit["source_ingest"]]]
    others_after = float(si_t.region_source_day[:, :, days >= loss_day].sum()) - cell(si_t, True)
    others_after_cur = float(cur_t.region_source_day[:, :, days >= loss_day].sum()) - cell(cur_t, True)
    before, after = _pct(cell(cur_t, False), cell(cand_t, False)), _pct(cell(cur_t, True), cell(cand_t, True))
    ratio_cand = None if before is None or after is None else (1 + after / 100) / (1 + before / 100)
    out: list[dict[str, Any]] = [{
        "id": "C1", "component": "source_ingest", "kind": "source_device_loss",
        "description": f"{s.loss_source} loses {100 * s.loss_fraction:.0f}% of its devices in region {s.loss_region} "
                       f"from {s.loss_date.isoformat()} (source_ingest v4 ingests the reduced feed)",
        "source": s.loss_source, "region": s.loss_region, "date": s.loss_date.isoformat(),
        "fraction": s.loss_fraction,
        "expected": {
            "scope": f"source:{s.loss_source} in region:{s.loss_region}, dates >= {s.loss_date.isoformat()}",
            "nominal_level_change_pct": -100 * s.loss_fraction,
            "level_change_pct_in_one_swap_run": _pct(cell(cur_t, True), cell(si_t, True)),
            "level_change_pct_before_date_in_one_swap_run": _pct(cell(cur_t, False), cell(si_t, False)),
            "other_cells_change_pct_in_one_swap_run": _pct(others_after_cur, others_after),
            "candidate_vs_current_after_over_before_ratio": ratio_cand,
        },
    }]
    # poi_db
    db_t = totals[lattice[bit["poi_db"]]]
    both = pipe.listed(db_cur) & pipe.listed(db_cand)
    per_brand = {}
    for b in s.parking_brands:
        sel = w.parking & (w.brand == w.brand_names.index(b)) & both
        per_brand[b] = _pct(float(cur_t.place[sel].sum()), float(db_t.place[sel].sum()))
    park_ids = sorted(ids_cand[w.parking & pipe.listed(db_cand)].astype(str).tolist())
    neighbours = _near(pipe, w.parking, 150.0) & ~w.parking & both
    out.append({
        "id": "C2", "component": "poi_db", "kind": "new_polygons",
        "description": f"new hand-drawn polygons including the parking lot for {', '.join(s.parking_brands)} "
                       "grocery stores (centroids move toward the lot)",
        "brands": list(s.parking_brands), "categories": ["Grocery Stores"], "place_ids": park_ids,
        "expected": {"level_change_pct_by_brand_in_one_swap_run": per_brand,
                     "neighbours_within_150m_level_change_pct_in_one_swap_run":
                         _pct(float(cur_t.place[neighbours].sum()), float(db_t.place[neighbours].sum())),
                     "nominal_range_pct": [8, 15]},
    })
    opened = np.flatnonzero((w.added_in == db_cand) & (w.added_in > db_cur))
    closed = np.flatnonzero((w.removed_in == db_cand) & pipe.listed(db_cur))
    rekeyed = np.flatnonzero((w.rekey_in == db_cand) & both)
    out.append({
        "id": "C3", "component": "poi_db", "kind": "places_opened",
        "description": "places opened in the window, listed only in the candidate's places database (rows from "
                       "their opening date)",
        "place_ids": [str(ids_cand[i]) for i in opened],
        "opened_on": {str(ids_cand[i]): (s.start + dt.timedelta(days=int(w.open_day[i]))).isoformat() for i in opened},
        "expected": {"visits_in_candidate": float(cand_t.place[opened].sum()), "visits_in_current": 0.0},
    })
    out.append({
        "id": "C4", "component": "poi_db", "kind": "places_closed",
        "description": "places that closed in the window: the current database still lists them (rows after the "
                       "closing are near zero), the candidate's removes them",
        "place_ids": [str(ids_cur[i]) for i in closed],
        "closed_on": {str(ids_cur[i]): (s.start + dt.timedelta(days=int(w.close_day[i]))).isoformat() for i in closed},
        "expected": {"visits_in_current": float(cur_t.place[closed].sum()), "visits_in_candidate": 0.0},
    })
    out.append({
        "id": "C5", "component": "poi_db", "kind": "places_rekeyed",
        "description": "same place, new place_id in the candidate (placekey churn): not a closing and an opening",
        "pairs": [{"current": str(ids_cur[i]), "candidate": str(ids_cand[i])} for i in rekeyed],
        "expected": {"level_change_pct_of_rekeyed_places_in_one_swap_run":
                     _pct(float(cur_t.place[rekeyed].sum()), float(db_t.place[rekeyed].sum()))},
    })
    rel = np.flatnonzero(w.relabel & both)
    cats_cur, cats_db = pipe.categories(db_cur), pipe.categories(db_cand)

    def cat_total(t: RunTotals, cats: np.ndarray, name: str) -> float:
        return float(t.place[cats == CAT_INDEX[name]].sum())

    out.append({
        "id": "C6", "component": "poi_db", "kind": "category_relabel",
        "description": f"category recalibration: {s.relabel_brand} places move from '{s.relabel_from}' to "
                       f"'{s.relabel_to}': the relabel itself moves no visits (their visits change only through "
                       "neighbouring poi_db changes, measured below)",
        "brand": s.relabel_brand, "from_category": s.relabel_from, "to_category": s.relabel_to,
        "categories": [s.relabel_from, s.relabel_to],
        "place_ids": [str(ids_cand[i]) for i in rel],
        "expected": {
            "visits_moved": float(cur_t.place[rel].sum()),
            "level_change_pct_of_relabelled_places_in_one_swap_run":
                _pct(float(cur_t.place[rel].sum()), float(db_t.place[rel].sum())),
            "from_category_level_change_pct_in_one_swap_run":
                _pct(cat_total(cur_t, cats_cur, s.relabel_from), cat_total(db_t, cats_db, s.relabel_from)),
            "to_category_level_change_pct_in_one_swap_run":
                _pct(cat_total(cur_t, cats_cur, s.relabel_to), cat_total(db_t, cats_db, s.relabel_to)),
        },
    })
    at_t = totals[lattice[bit["attribution"]]]
    dense = _near(pipe, np.ones(w.n, bool), 100.0, min_count=3) & pipe.listed(db_cur)
    listed = pipe.listed(db_cur)
    diff = at_t.place - cur_t.place
    absd = np.abs(diff[listed]).sum()
    moved = np.argsort(-np.abs(diff * listed))[:10]
    out.append({
        "id": "C7", "component": "attribution", "kind": "attribution_method",
        "description": "point-radius (nearest centroid within 75 m) replaced by a gaussian cluster per place: "
                       "stops move between nearby places, most in dense clusters and malls; small net change",
        "from": lattice[0]["attribution"], "to": lattice[full]["attribution"],
        "expected": {
            "net_level_change_pct_in_one_swap_run": _pct(cur_t.total, at_t.total),
            "absolute_redistribution_pct": 100.0 * absd / cur_t.place[listed].sum(),
            "dense_places": int(dense.sum()),
            "dense_share_of_absolute_change": float(np.abs(diff[dense]).sum() / absd) if absd else 0.0,
            "dense_share_of_visits": float(cur_t.place[dense].sum() / cur_t.place[listed].sum()),
            "top_moved_places": [{"place_id": str(ids_cur[i]), "change_pct": _pct(cur_t.place[i], at_t.place[i])}
                                 for i in moved if listed[i]],
        },
    })
    nm_t = totals[lattice[bit["normalization"]]]
    reg = {rn: _pct(float(cur_t.place[w.region == k].sum()), float(nm_t.place[w.region == k].sum()))
           for k, rn in enumerate(w.region_names)}
    segs = ({g: _pct(float(cur_t.segment[k]), float(nm_t.segment[k])) for k, g in enumerate(SEGMENTS)}
            if s.segments else None)
    out.append({
        "id": "C8", "component": "normalization", "kind": "normalization_base",
        "description": "state scaling v2: new population base for "
                       + ", ".join(f"{r} ({100 * (f - 1):+.0f}%)" for r, f in s.norm_region_scale)
                       + "; segment weights " + ", ".join(f"{g} x{f:.2f}" for g, f in s.norm_segment_weight),
        "regions": [r for r, _ in s.norm_region_scale],
        "region_scale": dict(s.norm_region_scale), "segment_weight": dict(s.norm_segment_weight),
        "expected": {"region_level_change_pct_in_one_swap_run": reg,
                     "segment_level_change_pct_in_one_swap_run": segs,
                     "raw_visits_change": 0},
    })
    sd_t = totals[lattice[bit["stop_detection"]]]
    out.append({
        "id": "C9", "component": "stop_detection", "kind": "negative_control",
        "description": f"stop detection rebuilt ({lattice[0]['stop_detection']} -> {lattice[full]['stop_detection']}) "
                       "with unchanged parameters: any contribution attributed to it is a false positive",
        "expected": {"level_change_pct_in_one_swap_run": _pct(cur_t.total, sd_t.total), "shapley": 0.0},
    })
    return out


def _near(pipe: Pipeline, of: np.ndarray, radius: float, min_count: int = 1) -> np.ndarray:
    """Places with at least min_count places of the set `of` (other than themselves) within radius."""
    w = pipe.w
    tree = cKDTree(np.c_[w.x[of], w.y[of]])
    counts = np.array([len(v) for v in tree.query_ball_point(np.c_[w.x, w.y], radius)])
    counts -= of.astype(int)
    return counts >= min_count

