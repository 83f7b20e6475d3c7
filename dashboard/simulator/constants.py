"""The simulated world's fixed vocabulary: components and their versions, sources, regions, categories, holidays.

Kept apart from the code that uses them so a reader can see the whole world's make-up on one page, and so
callers (tests, chaos scenarios) can check names against it without building anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

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
    "v1": {"sources": ("bidstream_x", "sdk_beta"), "device_loss": False},
    "v2": {"sources": ("bidstream_x", "sdk_alpha", "sdk_beta"), "device_loss": False},
    "v3": {"sources": SOURCES, "device_loss": False},
    "v4": {"sources": SOURCES, "device_loss": True},
}
POI_DB_VERSIONS = {"2026-03": 0, "2026-07": 0, "2026-08": 1, "2026-10": 2, "2026-11": 3}
STOP_DETECTION_VERSIONS = {"200m-5min": 5, "200m-4min": 4, "200m-4min-r2": 4}
ATTRIBUTION_VERSIONS = {"point_radius_75m": "point_radius", "gauss_poi": "gauss"}
NORMALIZATION_VERSIONS = {"state_scaling-v0": 0, "state_scaling-v1": 1, "state_scaling-v2": 2}

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

#: The population base state scaling v0 used (older census figures), per region; v1 uses 1.0 everywhere.
NORM_V0_REGION_SCALE = {"NE": 0.97, "SW": 1.06}

# The older monthly history (before the two history releases above), written after the ablations so the
# ingestion order of the releases above stays as it was. Each re-runs the same evaluation window with its own
# panel sampling seed (an offset from the world's seed), so a quiet month differs from the one before by
# sampling noise only. (release id, created_at, versions, description, seed offset)
OLDER_HISTORY: tuple[tuple[str, str, dict[str, str], str, int], ...] = (
    ("2026.04.0", "2026-04-02T10:00:00Z",
     {"source_ingest": "v1", "poi_db": "2026-03", "stop_detection": "200m-5min", "attribution": "point_radius_75m",
      "normalization": "state_scaling-v0"},
     "two sources (bidstream_x, sdk_beta), March POI database, state scaling v0 (older census base)", 1),
    ("2026.05.0", "2026-05-07T10:00:00Z",
     {"source_ingest": "v2", "poi_db": "2026-03", "stop_detection": "200m-5min", "attribution": "point_radius_75m",
      "normalization": "state_scaling-v0"},
     "sdk_alpha onboarded (source_ingest v2)", 2),
    ("2026.06.0", "2026-06-04T10:00:00Z",
     {"source_ingest": "v2", "poi_db": "2026-03", "stop_detection": "200m-5min", "attribution": "point_radius_75m",
      "normalization": "state_scaling-v0"},
     "monthly re-run, no component change (a quiet release)", 3),
    ("2026.07.0", "2026-07-02T10:00:00Z",
     {"source_ingest": "v2", "poi_db": "2026-07", "stop_detection": "200m-5min", "attribution": "point_radius_75m",
      "normalization": "state_scaling-v1"},
     "state scaling v1 (new census base); July POI database rebuilt with the same places and polygons", 4),
)
#: Replicates of the current release: the same components, another panel sampling seed (offset, as above).
REPLICATE_SEED_OFFSETS: tuple[int, ...] = (101, 102, 103)

POINT_RADIUS_M = 75.0
GAUSS_CUTOFF_SIGMAS = 3.0
GAUSS_MAX_M = 80.0
FOOTPRINT_SIGMA_PER_SQRT_M2 = 0.2
NEIGHBOURS = 8
CALIBRATION = 1.15  # normalization's fixed correction for stops no attribution keeps
