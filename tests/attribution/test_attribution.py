"""Attribution (DESIGN section 6): every split sums to the delta, Adtributor finds injected faults (single
dimensions and pairs), Shapley over ablation runs (exact, paired, first order, none), Kitagawa mix/rate.

Tiny inline releases; the simulated sample is checked in test_attribution_sample.py.
"""

from __future__ import annotations

import itertools
import json
import math
import random
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from scipy.spatial.distance import jensenshannon
from snapshots import write_snapshot

from dashboard.attribution import core as at
from dashboard.cli import main
from dashboard.errors import RelcheckError
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


@pytest.fixture(scope="module")
def fault_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    root = tmp_path_factory.mktemp("fault")
    store = Store(root / "store")
    places, cur, cand = fault_world()
    ingest(store, root, "cur", cur, places, components={"source_ingest": "v1"}, created_at="2026-01-10T00:00:00Z")
    ingest(store, root, "cand", cand, places, components={"source_ingest": "v2"}, created_at="2026-01-20T00:00:00Z")
    return store


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


@pytest.fixture(scope="module")
def churn(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, dict[str, Any]]:
    root = tmp_path_factory.mktemp("churn")
    store = Store(root / "store")
    w = churn_world()
    ingest(store, root, "cur", w["cur"], w["cur_places"], components={"poi_db": "a", "attribution": "x"},
           created_at="2026-01-10T00:00:00Z")
    ingest(store, root, "cand", w["cand"], w["cand_places"], components={"poi_db": "b", "attribution": "x"},
           created_at="2026-01-20T00:00:00Z")
    return store, w


# ------------------------------------------------------------------------------ sums hold

CHURN_SCOPES = ["all", "region:W", "region:E", "category:Cafes", "category:Restaurants", "brand:FreshCo",
                "brand:(independent)", "source:sdk_a", "source:sdk_c", "segment:residents", "customer:freshco",
                "deal:cafe-deal", "place:p6", "place:p7"]


@pytest.mark.parametrize("scope", CHURN_SCOPES)
def test_every_split_sums_to_the_scope_delta(churn: tuple[Store, dict[str, Any]], scope: str) -> None:
    store, _ = churn
    a = at.attribute(store, "cur", "cand", scope, stakeholders=STAKEHOLDERS)
    total = a.total_delta
    assert close(sum(r.delta for r in a.by_source.rows), total)
    e = a.by_effect
    assert close(e.added_places - e.dropped_places + e.common_places, total)
    j = a.to_json()
    eff = j["by_effect"]
    assert close(eff["added_places"] - eff["dropped_places"] + eff["common_places"], j["total_delta"])
    assert close(sum(c["value"] for c in j["by_component"]["contributions"]) + j["by_component"]["interaction"],
                 total)
    m = a.mix_rate
    assert close(m.rate_part + m.mix_part, m.change)
    assert close(sum(b.rate_part + b.mix_part for b in m.brands), m.change)
    # The root-cause cube holds the same total as the metrics.
    rc = a.root_causes
    assert close(rc.visits_candidate - rc.visits_current, total)
    for dims, table in rc.tables.items():
        assert close(sum(el.delta for el in table), total), dims
        if any(el.delta for el in table):
            assert close(sum(el.abs_explanatory_power for el in table), 1.0)
        if not rc.ep_guarded:
            assert close(sum(el.explanatory_power or 0.0 for el in table), 1.0), dims
    matrix = at.region_source_matrix(store, "cur", "cand", scope, stakeholders=STAKEHOLDERS)
    assert close(sum(c.delta for c in matrix), total)
    json.dumps(j, allow_nan=False)


def test_by_source_and_effect_by_hand(churn: tuple[Store, dict[str, Any]]) -> None:
    """The common window is 01-02..01-04; p6 is dropped, p7 added, sdk_c only in the candidate."""
    store, w = churn

    def total(rows: list[dict[str, Any]], **where: Any) -> float:
        return sum(r["visits"] for r in rows if "2026-01-02" <= r["date"] <= "2026-01-04"
                   and all(r[k] == v for k, v in where.items()))

    src = {r.source: r for r in at.by_source(store, "cur", "cand").rows}
    assert set(src) == {"sdk_a", "sdk_b", "sdk_c"}
    for s in src:
        assert close(src[s].visits_current, total(w["cur"], source=s))
        assert close(src[s].visits_candidate, total(w["cand"], source=s))
    assert src["sdk_c"].visits_current == 0.0
    eff = at.by_effect(store, "cur", "cand")
    assert (eff.places_added, eff.places_dropped, eff.places_common) == (1, 1, 5)
    assert close(eff.added_places, total(w["cand"], place_id="p7"))
    assert close(eff.dropped_places, total(w["cur"], place_id="p6"))
    # The relabelled cafe leaves the Cafes scope and enters Restaurants: dropped there, added here.
    cafes = at.by_effect(store, "cur", "cand", "category:Cafes")
    assert cafes.places_dropped == 1 and close(cafes.dropped_places, total(w["cur"], place_id="p3"))
    rest = at.by_effect(store, "cur", "cand", "category:Restaurants")
    assert rest.places_added == 1 and rest.dropped_places == 0.0


def test_identical_releases_attribute_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    places, cur, _ = fault_world()
    ingest(store, tmp_path, "r1", cur, places)
    ingest(store, tmp_path, "r2", cur, places)
    a = at.attribute(store, "r1", "r2")
    assert a.total_delta == 0.0
    assert all(r.delta == 0.0 for r in a.by_source.rows)
    assert (a.by_effect.added_places, a.by_effect.dropped_places, a.by_effect.common_places) == (0.0, 0.0, 0.0)
    assert a.root_causes.sets == [] and not a.root_causes.unexplained and a.root_causes.ep_guarded
    assert a.by_component.method == "none" and a.by_component.interaction == 0.0
    assert a.mix_rate.rate_part == 0.0 and a.mix_rate.mix_part == 0.0


def test_uniform_scaling_localises_nowhere(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    places, cur, _ = fault_world()
    ingest(store, tmp_path, "r1", cur, places)
    ingest(store, tmp_path, "r2", [{**r, "visits": r["visits"] * 1.1} for r in cur], places)
    a = at.attribute(store, "r1", "r2")
    assert close(a.total_delta, 0.1 * a.visits_current)
    for r in a.by_source.rows:
        assert close(r.delta, 0.1 * r.visits_current)
    assert a.root_causes.sets == [] and a.root_causes.unexplained
    assert abs(a.mix_rate.mix_part) < 1e-9 and close(a.mix_rate.rate_part, a.mix_rate.change)


def test_session_helpers_keep_scopes_prepared_before(fault_store: Store) -> None:
    """The gate prepares many scopes on one session; attributing one of them or another keeps the rest."""
    from dashboard.engine.scopes import simple_scope
    from dashboard.engine.session import PairSession

    with PairSession(fault_store, "cur", "cand") as s:
        s.prepare([simple_scope("all"), simple_scope("region", "W")])
        cube = at.dimension_cube(s, simple_scope("region", "E"))
        assert {d.scope_id for d in s.defs} == {"all", "region:W", "region:E"}
        assert cube.visits_candidate == cube.visits_current
        w = at.dimension_cube(s, simple_scope("region", "W"))
        assert w.elements("source")[("sdk_b",)][1] == 0.5 * w.elements("source")[("sdk_b",)][0]


# ------------------------------------------------------------------------------ Adtributor


def test_surprise_zero_rule_and_js() -> None:
    assert at.surprise(0.0, 0.0) == 0.0
    assert at.surprise(0.3, 0.3) == 0.0
    assert close(at.surprise(0.0, 0.4), 0.2)  # ½·q·log2(2q/q) = q/2 bits
    assert close(at.surprise(0.4, 0.0), 0.2)
    p = [0.5, 0.3, 0.2, 0.0]
    q = [0.25, 0.25, 0.25, 0.25]
    assert close(sum(at.surprise(a, b) for a, b in zip(p, q, strict=True)), jensenshannon(p, q, base=2) ** 2)


def source_cube(changes: dict[str, float]) -> tuple[dict[tuple[str, ...], Any], float, float]:
    """A source dimension plus a region dimension whose elements each take an equal share of every change."""
    base = {"sdk_a": 100.0, "sdk_b": 100.0, "sdk_c": 100.0, "sdk_d": 50.0}
    src = {(s,): (v, v + changes.get(s, 0.0)) for s, v in base.items()}
    a_total = sum(a for a, _ in src.values())
    b_total = sum(b for _, b in src.values())
    reg = {(r,): (a_total / 4, b_total / 4) for r in REGIONS}
    return {("source",): src, ("region",): reg}, a_total, b_total


def test_single_element_fault_is_found_first_with_ep_one() -> None:
    cubes, a_total, b_total = source_cube({"sdk_b": -40.0})
    rc = at.adtributor(cubes, a_total, b_total)
    first = rc.sets[0]
    assert first.dimensions == ("source",) and first.values == ["sdk_b"]
    assert close(first.explanatory_power or 0.0, 1.0) and close(first.abs_explanatory_power, 1.0)
    assert not rc.unexplained and not rc.ep_guarded
    for table in rc.tables.values():
        assert close(sum(e.explanatory_power or 0.0 for e in table), 1.0)


def test_zero_sum_shift_is_guarded_and_ranked_by_absolute_ep() -> None:
    cubes, a_total, b_total = source_cube({"sdk_a": 30.0, "sdk_c": -30.0})
    assert a_total == b_total
    rc = at.adtributor(cubes, a_total, b_total)
    assert rc.ep_guarded
    table = rc.table("source")
    assert all(e.explanatory_power is None for e in table)
    assert {e.values[0] for e in sorted(table, key=lambda e: -e.abs_explanatory_power)[:2]} == {"sdk_a", "sdk_c"}
    first = rc.sets[0]
    assert first.dimensions == ("source",) and set(first.values) == {"sdk_a", "sdk_c"}
    assert first.explanatory_power is None and close(first.abs_explanatory_power, 1.0)
    json.dumps(first.to_json(), allow_nan=False)


def test_spread_change_is_unexplained() -> None:
    """Twenty sources each +5 %: no element explains more than 10 %, so no set forms."""
    src = {(f"s{i:02d}",): (100.0, 105.0) for i in range(20)}
    rc = at.adtributor({("source",): src}, 2000.0, 2100.0)
    assert rc.sets == [] and rc.unexplained


def test_pair_finds_a_source_region_fault(fault_store: Store) -> None:
    rc = at.root_causes(fault_store, "cur", "cand")
    first = rc.sets[0]
    assert first.dimensions == ("source", "region") and first.values == ["sdk_b", "W"]
    assert close(first.explanatory_power or 0.0, 1.0)
    j = first.to_json()
    assert j["dimensions"] == ["source", "region"] and j["values"] == ["sdk_b", "W"]
    # Its singles explain it too, less surprisingly; without pairs the best single comes first.
    singles = at.root_causes(fault_store, "cur", "cand", pairs=False)
    assert singles.sets[0].dimensions in (("source",), ("region",))
    assert singles.sets[0].values in (["sdk_b"], ["W"])
    assert first.surprise > at.PAIR_GAIN * singles.sets[0].surprise
    # In the region's own scope the source is the cause; in the source's scope, the region.
    assert at.root_causes(fault_store, "cur", "cand", "region:W").sets[0].values == ["sdk_b"]
    assert at.root_causes(fault_store, "cur", "cand", "source:sdk_b").sets[0].values == ["W"]
    # The heatmap's worst cell is the same.
    cells = at.region_source_matrix(fault_store, "cur", "cand")
    worst = min(cells, key=lambda c: c.delta)
    assert (worst.source, worst.region) == ("sdk_b", "W")
    assert sum(1 for c in cells if c.delta != 0) == 1


def test_a_pair_that_only_refines_a_single_dimension_does_not_outrank_it() -> None:
    """sdk_b −40 % in every region alike: the single set wins; the pair's set is no more specific."""
    src_a = {"sdk_a": 400.0, "sdk_b": 400.0}
    weights = {"N": 0.4, "S": 0.3, "E": 0.2, "W": 0.1}
    pair = {(s, r): (v * wt, v * wt * (0.6 if s == "sdk_b" else 1.0)) for (s, v), (r, wt)
            in itertools.product(src_a.items(), weights.items())}
    src = {(s,): (v, v * (0.6 if s == "sdk_b" else 1.0)) for s, v in src_a.items()}
    reg = {(r,): (sum(a for (s, rr), (a, _) in pair.items() if rr == r),
                  sum(b for (s, rr), (_, b) in pair.items() if rr == r)) for r in weights}
    a_total, b_total = 800.0, 640.0
    rc = at.adtributor({("source",): src, ("region",): reg, ("source", "region"): pair}, a_total, b_total)
    assert rc.sets[0].dimensions == ("source",) and rc.sets[0].values == ["sdk_b"]
    assert all(s.dimensions != ("source", "region") for s in rc.sets)


# ------------------------------------------------------------------------------ Shapley


COMPS = ("a", "b", "c")


def game3(s: set[str]) -> float:
    """Visits per place-day of a run with component set s swapped: 100 + 5a − 3b + 2c + 4ac."""
    x = {k: 1.0 if k in s else 0.0 for k in COMPS}
    return 100 + 5 * x["a"] - 3 * x["b"] + 2 * x["c"] + 4 * x["a"] * x["c"]


def game4(s: set[str]) -> float:
    """Four components with a three-way term: 100 + 5a − 3b + 2c + d + 4ac + 6abc."""
    x = {k: 1.0 if k in s else 0.0 for k in ("a", "b", "c", "d")}
    return 100 + 5 * x["a"] - 3 * x["b"] + 2 * x["c"] + x["d"] + 4 * x["a"] * x["c"] + 6 * x["a"] * x["b"] * x["c"]


PLACE_DAYS = 4  # 2 places x 2 days


def game_store(root: Path, comps: tuple[str, ...], game: Any, subsets: list[set[str]],
               base: str = "cur") -> Store:
    """current (nothing swapped), candidate (all swapped) and one ablation run per subset."""
    store = Store(root / "store")
    places = [{"place_id": "p1", "region": "W", "category": "Cafes"},
              {"place_id": "p2", "region": "E", "category": "Cafes"}]

    def rows(s: set[str]) -> list[dict[str, Any]]:
        return [{"place_id": p["place_id"], "date": day(d), "source": "sdk_a", "visits": game(s)}
                for p in places for d in (1, 2)]

    def versions(s: set[str]) -> dict[str, str]:
        return {k: ("new" if k in s else "old") for k in comps} | {"unchanged": "v1"}

    ingest(store, root, "cur", rows(set()), places, components=versions(set()), created_at="2026-01-10T00:00:00Z")
    ingest(store, root, "cand", rows(set(comps)), places, components=versions(set(comps)),
           created_at="2026-01-20T00:00:00Z")
    for s in subsets:
        rid = "abl-" + ("-".join(sorted(s)) or "none")
        ingest(store, root, rid, rows(s), places, kind="ablation", base=base, components=versions(s))
    return store


def all_subsets(comps: tuple[str, ...]) -> list[set[str]]:
    return [set(c) for k in range(1, len(comps)) for c in itertools.combinations(comps, k)]


def test_exact_shapley_from_every_subset(tmp_path: Path) -> None:
    store = game_store(tmp_path, COMPS, game3, all_subsets(COMPS))
    c = at.by_component(store, "cur", "cand")
    assert c.method == "exact_shapley" and c.players == COMPS
    phi = {k: v / PLACE_DAYS for k, v in c.contributions.items()}
    assert all(close(phi[k], want) for k, want in {"a": 7.0, "b": -3.0, "c": 4.0}.items()), phi
    assert abs(c.interaction) < 1e-9
    assert close(sum(c.contributions.values()), PLACE_DAYS * 8.0)
    assert c.v_current == 0.0 and close(c.v_candidate or 0.0, PLACE_DAYS * 8.0)
    used = {r.release_id: r.swapped for r in c.runs}
    assert used["cur"] == () and used["cand"] == COMPS and used["abl-a-c"] == ("a", "c") and len(used) == 8
    # Any scalar metric: level_change_pct here is the game's value minus 100, in percent.
    pct = at.by_component(store, "cur", "cand", metric="level_change_pct")
    assert pct.method == "exact_shapley" and pct.metric == "level_change_pct"
    assert all(close(pct.contributions[k], want) for k, want in {"a": 7.0, "b": -3.0, "c": 4.0}.items())
    assert close(sum(pct.contributions.values()) + pct.interaction, (pct.v_candidate or 0) - (pct.v_current or 0))
    # A non-additive metric still sums to v(N) − v(∅).
    corr = at.by_component(store, "cur", "cand", metric="max_share_shift_pp")
    assert close(sum(corr.contributions.values()) + corr.interaction, corr.total)


def test_paired_estimate_and_interaction_from_one_at_a_time_runs(tmp_path: Path) -> None:
    comps = ("a", "b", "c", "d")
    oat = [{k} for k in comps] + [set(comps) - {k} for k in comps]
    store = game_store(tmp_path, comps, game4, oat)
    c = at.by_component(store, "cur", "cand")
    assert c.method == "paired"
    phi = {k: v / PLACE_DAYS for k, v in c.contributions.items()}
    # fwd = (5, −3, 2, 1), bwd = (15, 3, 12, 1): φ = (10, 0, 7, 1); the 3-way term 6abc overshoots by 3.
    assert all(close(phi[k], want) for k, want in {"a": 10.0, "b": 0.0, "c": 7.0, "d": 1.0}.items()), phi
    assert close(c.interaction / PLACE_DAYS, -3.0)
    assert close(sum(c.contributions.values()) + c.interaction, c.total)
    assert len(c.runs) == 10


def test_first_order_with_forward_runs_only(tmp_path: Path) -> None:
    store = game_store(tmp_path, COMPS, game3, [{k} for k in COMPS])
    c = at.by_component(store, "cur", "cand")
    assert c.method == "first_order"
    phi = {k: v / PLACE_DAYS for k, v in c.contributions.items()}
    assert all(close(phi[k], want) for k, want in {"a": 5.0, "b": -3.0, "c": 2.0}.items())
    assert close(c.interaction / PLACE_DAYS, 4.0)  # the a·c term nobody measured


def test_none_without_runs_and_foreign_runs_are_ignored(tmp_path: Path) -> None:
    # Runs from another base, or with a third version, do not qualify.
    store = game_store(tmp_path, COMPS, game3, [])
    places = [{"place_id": "p1", "region": "W", "category": "Cafes"}]
    ingest(store, tmp_path, "abl-other-base", [{"place_id": "p1", "date": day(1), "source": "x", "visits": 1.0}],
           places, kind="ablation", base="cand", components={"a": "new", "b": "old", "c": "old", "unchanged": "v1"})
    ingest(store, tmp_path, "abl-third", [{"place_id": "p1", "date": day(1), "source": "x", "visits": 1.0}],
           places, kind="ablation", base="cur", components={"a": "newer", "b": "old", "c": "old", "unchanged": "v1"})
    c = at.by_component(store, "cur", "cand")
    assert c.method == "none" and c.contributions == {}
    assert close(c.interaction, PLACE_DAYS * 8.0)
    assert [r.release_id for r in c.runs] == ["cur", "cand"]
    assert c.notes


def test_shapley_from_runs_pure() -> None:
    players = ("x", "y", "z")

    def pairwise(s: frozenset[str]) -> float:
        a = {"x": 3.0, "y": -1.0, "z": 2.0}
        b = {("x", "y"): 4.0, ("x", "z"): -2.0, ("y", "z"): 1.0}
        return sum(a[i] for i in s) + sum(v for (i, j), v in b.items() if i in s and j in s)

    full = {frozenset(c): pairwise(frozenset(c)) for k in range(4) for c in itertools.combinations(players, k)}
    method, exact, inter = at.shapley_from_runs(players, full)
    assert method == "exact_shapley" and abs(inter) < 1e-12
    # Paired OAT is exact for a game with at most pairwise interactions (4 players: OAT misses size-2 sets).
    p4 = ("w", "x", "y", "z")

    def pw4(s: frozenset[str]) -> float:
        return pairwise(s & frozenset(players)) + (1.5 if "w" in s else 0.0) + (2.5 if {"w", "y"} <= s else 0.0)

    every = {frozenset(c): pw4(frozenset(c)) for k in range(5) for c in itertools.combinations(p4, k)}
    oat = {s: v for s, v in every.items() if len(s) in (0, 1, 3, 4)}
    m_exact, phi_exact, _ = at.shapley_from_runs(p4, every)
    m_pair, phi_pair, inter = at.shapley_from_runs(p4, oat)
    assert (m_exact, m_pair) == ("exact_shapley", "paired")
    assert all(close(phi_exact[k], phi_pair[k]) for k in p4) and abs(inter) < 1e-12
    assert at.shapley_from_runs((), {frozenset(): 1.0}) == ("none", {}, 0.0)


def test_one_component_is_exact_without_runs(churn: tuple[Store, dict[str, Any]]) -> None:
    store, _ = churn
    c = at.by_component(store, "cur", "cand", "region:W")
    assert c.method == "exact_shapley" and c.players == ("poi_db",)
    assert close(c.contributions["poi_db"], c.total) and c.interaction == 0.0


def test_bad_metric_is_refused(fault_store: Store) -> None:
    with pytest.raises(RelcheckError, match="metric"):
        at.by_component(fault_store, "cur", "cand", metric="level_change_ci95_pct")


# ------------------------------------------------------------------------------ mix and rate


def test_kitagawa_parts_sum_and_pure_cases() -> None:
    rows = [
        {"brand": "A", "places_current": 4, "visits_current": 400.0, "places_candidate": 5, "visits_candidate": 450.0},
        {"brand": "B", "places_current": 6, "visits_current": 120.0, "places_candidate": 5, "visits_candidate": 150.0},
        {"brand": "C", "places_current": 0, "visits_current": 0.0, "places_candidate": 2, "visits_candidate": 90.0},
        {"brand": "D", "places_current": 3, "visits_current": 60.0, "places_candidate": 0, "visits_candidate": 0.0},
    ]
    m = at.kitagawa(rows)
    assert close(m.value_current, 580.0 / 13) and close(m.value_candidate, 690.0 / 12)
    assert close(m.rate_part + m.mix_part, m.change)
    by = {b.brand: b for b in m.brands}
    assert by["C"].rate_part == 0.0 and by["D"].rate_part == 0.0  # entry and exit are all mix
    # Pure mix: every brand keeps its visits per place, only the weights move.
    mix = at.kitagawa([
        {"brand": "A", "places_current": 2, "visits_current": 200.0, "places_candidate": 6, "visits_candidate": 600.0},
        {"brand": "B", "places_current": 8, "visits_current": 80.0, "places_candidate": 4, "visits_candidate": 40.0},
    ])
    assert abs(mix.rate_part) < 1e-12 and close(mix.mix_part, mix.change) and mix.change != 0
    # Pure rate: same places, visits per place move.
    rate = at.kitagawa([
        {"brand": "A", "places_current": 2, "visits_current": 200.0, "places_candidate": 2, "visits_candidate": 260.0},
        {"brand": "B", "places_current": 8, "visits_current": 80.0, "places_candidate": 8, "visits_candidate": 40.0},
    ])
    assert abs(rate.mix_part) < 1e-12 and close(rate.rate_part, rate.change)


def test_mix_rate_of_a_scope_is_visits_per_place(churn: tuple[Store, dict[str, Any]]) -> None:
    store, _ = churn
    a = at.attribute(store, "cur", "cand", "all")
    places_cur = a.by_effect.places_common + a.by_effect.places_dropped
    places_cand = a.by_effect.places_common + a.by_effect.places_added
    assert close(a.mix_rate.value_current, a.visits_current / places_cur)
    assert close(a.mix_rate.value_candidate, a.visits_candidate / places_cand)
    assert close(a.mix_rate.rate_part + a.mix_rate.mix_part, a.mix_rate.change)
    assert {b.brand for b in a.mix_rate.brands} == {"FreshCo", "ValueMart", "DailyGrind", "(independent)"}


# ------------------------------------------------------------------------------ JSON and CLI


def test_json_shape(fault_store: Store) -> None:
    j = at.attribute(fault_store, "cur", "cand").to_json()
    for key in ("scope", "total_delta", "by_source", "by_effect", "root_causes", "unexplained", "by_component",
                "mix_rate"):
        assert key in j
    assert set(j["by_source"][0]) == {"source", "visits_current", "visits_candidate", "delta"}
    assert {"added_places", "dropped_places", "common_places", "sign_convention"} <= set(j["by_effect"])
    assert set(j["root_causes"][0]) >= {"dimensions", "values", "explanatory_power", "abs_explanatory_power",
                                        "surprise"}
    assert j["by_component"]["method"] in at.METHODS
    assert {"method", "metric", "runs", "contributions", "interaction"} <= set(j["by_component"])
    assert j["total_delta"] < 0 and math.isfinite(j["total_delta"])


def test_cli_attribute(fault_store: Store) -> None:
    runner = CliRunner()
    res = runner.invoke(main, ["attribute", "--home", str(fault_store.home), "--format", "json"])
    assert res.exit_code == 0, res.output
    j = json.loads(res.output)
    assert j["scope"] == "all" and j["current"] == "cur" and j["candidate"] == "cand"
    assert j["root_causes"][0]["values"] == ["sdk_b", "W"]
    res = runner.invoke(main, ["attribute", "--home", str(fault_store.home), "--scope", "region:W",
                               "--metric", "level_change_pct"])
    assert res.exit_code == 0, res.output
    assert "By source" in res.output and "sdk_b" in res.output and "method exact_shapley" in res.output
    res = runner.invoke(main, ["attribute", "--home", str(fault_store.home), "--metric", "nope"])
    assert res.exit_code == 2 and "unknown metric" in res.output
    res = runner.invoke(main, ["attribute", "--home", str(fault_store.home), "--scope", "bogus"])
    assert res.exit_code == 2
    res = runner.invoke(main, ["attribute", "--help"])
    assert res.exit_code == 0 and "--stakeholders" in res.output
