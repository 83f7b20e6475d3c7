"""The consistency metrics (DESIGN section 5) against an independent reference, hand-computed edge cases,
and properties (a release against itself; every candidate visit scaled by a constant).

The engine (``dashboard.metrics``, SQL in ``queries/``) runs over ingested releases; the reference
(``tests/metrics_reference.py``) reads the raw snapshot files with pandas and scipy.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from pathlib import Path
from typing import Any

import metrics_reference as ref
import numpy as np
import pytest
from scipy import stats
from snapshots import daily_rows, write_snapshot

from dashboard.engine.metrics import Comparison, ScopeMetrics, compare_releases, scope_values
from dashboard.errors import NotFoundError, RelcheckError
from dashboard.metric_catalog import METRIC_NAMES
from dashboard.paths import sample_data_dir
from dashboard.stakeholders import Customer, Deal, Stakeholders, load_stakeholders
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


@pytest.mark.parametrize("seed", range(7))
def test_engine_matches_reference_on_random_releases(tmp_path: Path, store: Store, seed: int) -> None:
    w = random_release_pair(seed)
    a, b = snapshot_pair(tmp_path, store, w["visits_a"], w["places_a"], w["visits_b"], w["places_b"])
    holders = w["stakeholders"]
    engine = engine_all(store, holders)
    expected_scopes = ref.all_scopes(a, b, holders)
    assert sorted(engine) == sorted(expected_scopes)
    checked: set[str] = set()
    for scope in expected_scopes:
        expected = ref.metrics(a, b, scope, holders)
        assert_metrics(engine[scope], expected, f"seed {seed} {scope}")
        checked.update(k for k, v in expected.items() if v is not None)
    # every metric was computed somewhere (the interval needs raw visits in both releases)
    assert checked == set(METRIC_NAMES) - (set() if w["raw_both"] else {CI})


@pytest.mark.parametrize("seed", [0, 3])
def test_single_scope_path_matches_grouped_path(tmp_path: Path, store: Store, seed: int) -> None:
    """--scope KIND:VALUE resolves through the scope definitions; --by through the grouping; same numbers."""
    w = random_release_pair(seed)
    a, b = snapshot_pair(tmp_path, store, w["visits_a"], w["places_a"], w["visits_b"], w["places_b"])
    holders = w["stakeholders"]
    grouped = engine_all(store, holders)
    scopes = ref.all_scopes(a, b, holders)
    firsts = {s.partition(":")[0]: s for s in reversed(scopes)}  # the first scope of every kind
    picked = sorted(set(firsts.values()) | {s for s in scopes if s.startswith(("customer:", "deal:"))})
    assert len(picked) == 7 + 7  # 7 kinds besides customer and deal, 3 customers, 4 deals
    for scope in picked:
        assert_metrics(one(store, scope, holders).values, grouped[scope], scope)


def test_reference_window_and_whole_weeks() -> None:
    assert ref._whole_weeks((dt.date(2026, 1, 3), dt.date(2026, 1, 28))) == [
        dt.date(2026, 1, 5), dt.date(2026, 1, 12), dt.date(2026, 1, 19)]
    assert ref._whole_weeks((dt.date(2026, 1, 5), dt.date(2026, 1, 11))) == [dt.date(2026, 1, 5)]
    assert ref._whole_weeks((dt.date(2026, 1, 6), dt.date(2026, 1, 18))) == [dt.date(2026, 1, 12)]


# -------------------------------------------------------------------------------- hand-computed
def test_weekly_growth_whole_iso_weeks_of_trimmed_window(tmp_path: Path, store: Store) -> None:
    """A: Thu 1 Jan .. Wed 28 Jan; B: Sat 3 Jan .. Sat 31 Jan. Window Sat 3 .. Wed 28: whole weeks
    5-11, 12-18, 19-25; the partial days count in the level metrics but not in the weekly ones."""
    a_vals = [1000.0] * 4 + [10.0] * 7 + [20.0] * 7 + [21.0] * 7 + [1000.0] * 3  # 1 .. 28 Jan
    b_days = [1000.0] * 2 + [10.0] * 7 + [17.5] * 7 + [15.0] * 7 + [1000.0] * 6  # 3 .. 31 Jan
    vb = daily_rows("p1", "2026-01-03", b_days)
    vb = [r for r in vb if r["date"] != dt.date(2026, 1, 14)]  # a day without rows: 0 (week 2: 6 × 17.5 = 105)
    a, b = snapshot_pair(tmp_path, store, daily_rows("p1", "2026-01-01", a_vals), [place("p1")], vb)
    m = one(store, "all")
    comp = compare_releases(store, None, None)
    assert (comp.current, comp.candidate) == ("A", "B")
    assert comp.window.to_dict() == {"start": "2026-01-03", "end": "2026-01-28"}
    # weekly A 70, 140, 147 (+100 %, +5 %); B 70, 105, 105 (+50 %, 0 %)
    assert m.values["weekly_growth_mae_pp"] == pytest.approx((50 + 5) / 2, rel=1e-12)
    assert m.values["growth_sign_agreement"] == 0.5  # +5 % against 0 %: not the same sign, not both small
    assert m.extra["growth_pairs"] == 2
    assert m.values["visits_current"] == 2 * 1000 + 70 + 140 + 147 + 3 * 1000
    assert m.values["visits_candidate"] == 2 * 1000 + 70 + 105 + 105 + 3 * 1000
    assert m.extra["days"] == 26
    assert_metrics(m.values, ref.metrics(a, b, "all"))


def test_growth_pairs_skip_weeks_empty_in_either_release(tmp_path: Path, store: Store) -> None:
    # Mon 5 Jan .. Sun 1 Feb: four whole weeks.
    a_week = [0.0, 70.0, 140.0, 140.0]
    b_week = [70.0, 70.0, 0.0, 35.0]
    va = [r for i, w in enumerate(a_week) for r in daily_rows("p1", f"2026-01-{5 + 7 * i:02d}", [w / 7] * 7)]
    vb = [r for i, w in enumerate(b_week) for r in daily_rows("p1", f"2026-01-{5 + 7 * i:02d}", [w / 7] * 7)]
    va = [r for r in va if r["visits"] > 0]  # weeks without rows at all in A
    a, b = snapshot_pair(tmp_path, store, va, [place("p1")], vb)
    m = one(store, "all")
    # pair 1 (A's week 1 is 0) and pair 3 (B's week 3 is 0) are skipped; pair 2: A +100 %, B −100 %
    assert m.extra["growth_pairs"] == 1
    assert m.values["weekly_growth_mae_pp"] == pytest.approx(200.0)
    assert m.values["growth_sign_agreement"] == 0.0
    assert_metrics(m.values, ref.metrics(a, b, "all"))


def test_sign_agreement_counts_small_changes_in_both_as_agreement(tmp_path: Path, store: Store) -> None:
    a_week = [700.0, 700.0 * 1.004, 700.0 * 1.004 ** 2]  # +0.4 %, +0.4 %
    b_week = [700.0, 700.0 * 0.997, 700.0 * 0.997 * 0.994]  # −0.3 % (both small: agree), −0.6 % (disagree)
    va = [r for i, w in enumerate(a_week) for r in daily_rows("p1", f"2026-01-{5 + 7 * i:02d}", [w / 7] * 7)]
    vb = [r for i, w in enumerate(b_week) for r in daily_rows("p1", f"2026-01-{5 + 7 * i:02d}", [w / 7] * 7)]
    a, b = snapshot_pair(tmp_path, store, va, [place("p1")], vb)
    m = one(store, "all")
    assert m.values["growth_sign_agreement"] == 0.5
    assert m.values["weekly_growth_mae_pp"] == pytest.approx((0.7 + 1.0) / 2, rel=1e-9)
    assert_metrics(m.values, ref.metrics(a, b, "all"))


def test_fewer_than_one_growth_pair_gives_null_weekly_metrics(tmp_path: Path, store: Store) -> None:
    # Sat 3 .. Tue 13 Jan: one whole week (5-11) only.
    va = daily_rows("p1", "2026-01-03", [float(i % 5 + 1) for i in range(11)])
    vb = daily_rows("p1", "2026-01-03", [float(i % 4 + 2) for i in range(11)])
    a, b = snapshot_pair(tmp_path, store, va, [place("p1")], vb)
    m = one(store, "all")
    assert m.values["weekly_growth_mae_pp"] is None and m.values["growth_sign_agreement"] is None
    assert m.extra["growth_pairs"] == 0
    assert m.values["daily_corr"] is not None
    assert_metrics(m.values, ref.metrics(a, b, "all"))


def test_one_place_scope_by_hand(tmp_path: Path, store: Store) -> None:
    va = daily_rows("p1", "2026-01-05", [1, 2, 3, 4]) + daily_rows("p2", "2026-01-05", [5, 5, 5, 5])
    vb = daily_rows("p1", "2026-01-05", [2, 4, 6, 9]) + daily_rows("p2", "2026-01-05", [5, 5, 5, 6])
    a, b = snapshot_pair(tmp_path, store, va, [place("p1", "Acme"), place("p2", "Bolt")], vb)
    v = one(store, "place:p1").values
    assert v["visits_current"] == 10 and v["visits_candidate"] == 21 and v["delta"] == 11
    assert v["level_change_pct"] == pytest.approx(110.0)
    assert v["daily_corr"] == pytest.approx(stats.pearsonr([1, 2, 3, 4], [2, 4, 6, 9]).statistic)
    assert v["max_share_shift_pp"] == 0.0  # one brand: 100 % in both
    assert v["rank_corr"] is None  # one common place
    assert (v["places_current"], v["places_candidate"], v["places_added"], v["places_dropped"]) == (1, 1, 0, 0)
    assert v["level_change_ci95_pct"] is None  # no raw visits
    assert one(store, "place:p1").scope.name == "Place p1"
    # p2's current series is constant: no correlation
    assert one(store, "place:p2").values["daily_corr"] is None
    assert_metrics(v, ref.metrics(a, b, "place:p1"))


def test_empty_scope(tmp_path: Path, store: Store) -> None:
    va = daily_rows("p1", "2026-01-05", [1, 2, 3, 4])
    a, b = snapshot_pair(tmp_path, store, va, [place("p1")], va)
    holders = Stakeholders((Customer("ghost", "Ghost", brands=("Nowhere",)),), (), (), "test")
    v = one(store, "customer:ghost", holders).values
    assert v == {
        "visits_current": 0.0, "visits_candidate": 0.0, "delta": 0.0, "level_change_pct": None,
        "daily_corr": None, "weekly_growth_mae_pp": None, "growth_sign_agreement": None,
        "max_share_shift_pp": None, "rank_corr": None, "places_current": 0, "places_candidate": 0,
        "places_added": 0, "places_dropped": 0, "level_change_ci95_pct": None,
    }
    assert_metrics(v, ref.metrics(a, b, "customer:ghost", holders))


def test_zero_current_visits_and_short_window(tmp_path: Path, store: Store) -> None:
    # A: 4 .. 5 Jan, B: 5 .. 9 Jan: the window is one day
    va = daily_rows("p1", "2026-01-04", [0.0, 0.0]) + daily_rows("p2", "2026-01-04", [3.0, 4.0])
    vb = daily_rows("p1", "2026-01-05", [2.0, 3.0, 4.0, 5.0, 6.0]) + daily_rows("p2", "2026-01-05", [1, 2, 3, 4, 5])
    a, b = snapshot_pair(tmp_path, store, va, [place("p1", "Acme"), place("p2", "Bolt")], vb)
    p1 = one(store, "place:p1").values
    assert p1["visits_current"] == 0 and p1["visits_candidate"] == 2.0
    assert p1["level_change_pct"] is None and p1["max_share_shift_pp"] is None
    everything = one(store, "all").values
    assert everything["daily_corr"] is None  # < 3 days
    assert everything["level_change_pct"] == pytest.approx(100 * (3.0 - 4.0) / 4.0)
    for scope in ("all", "place:p1", "place:p2"):
        assert_metrics(one(store, scope).values, ref.metrics(a, b, scope), scope)


def test_two_day_window_has_no_correlation(tmp_path: Path, store: Store) -> None:
    va = daily_rows("p1", "2026-01-05", [1.0, 5.0])
    vb = daily_rows("p1", "2026-01-05", [2.0, 3.0])
    snapshot_pair(tmp_path, store, va, [place("p1")], vb)
    assert one(store, "all").values["daily_corr"] is None


def test_rank_corr_needs_three_common_places_and_uses_average_ranks(tmp_path: Path, store: Store) -> None:
    places_a = [place(p) for p in ("p1", "p2", "p3", "p4")]
    places_b = [place(p) for p in ("p1", "p2", "p3", "p5")]
    totals_a = {"p1": 10.0, "p2": 10.0, "p3": 30.0, "p4": 5.0}
    totals_b = {"p1": 12.0, "p2": 40.0, "p3": 40.0, "p5": 5.0}
    va = [r for p, t in totals_a.items() for r in daily_rows(p, "2026-01-05", [t / 2, t / 2])]
    vb = [r for p, t in totals_b.items() for r in daily_rows(p, "2026-01-05", [t / 2, t / 2])]
    a, b = snapshot_pair(tmp_path, store, va, places_a, vb, places_b)
    v = one(store, "all").values
    # common places p1, p2, p3: ranks A (1.5, 1.5, 3), B (1, 2.5, 2.5)
    assert v["rank_corr"] == pytest.approx(stats.pearsonr([1.5, 1.5, 3], [1, 2.5, 2.5]).statistic)
    assert (v["places_current"], v["places_candidate"], v["places_added"], v["places_dropped"]) == (4, 4, 1, 1)
    assert_metrics(v, ref.metrics(a, b, "all"))
    holders = Stakeholders((), (Deal("two", "Two", "trial", place_ids=("p1", "p2", "p4", "p5")),), (), "test")
    assert one(store, "deal:two", holders).values["rank_corr"] is None  # p1, p2 only in both


def test_brand_share_shift_with_independent_places(tmp_path: Path, store: Store) -> None:
    places_ = [place("p1", "Acme"), place("p2", None), place("p3", None)]
    va = daily_rows("p1", "2026-01-05", [30.0]) + daily_rows("p2", "2026-01-05", [50.0]) + \
        daily_rows("p3", "2026-01-05", [20.0])
    vb = daily_rows("p1", "2026-01-05", [60.0]) + daily_rows("p2", "2026-01-05", [30.0]) + \
        daily_rows("p3", "2026-01-05", [10.0])
    a, b = snapshot_pair(tmp_path, store, va, places_, vb)
    v = one(store, "all").values
    assert v["max_share_shift_pp"] == pytest.approx(30.0)  # Acme 30 % → 60 %, (independent) 70 % → 40 %
    assert one(store, "brand:(independent)").values["visits_current"] == 70.0
    assert_metrics(v, ref.metrics(a, b, "all"))


def test_level_change_interval_under_poisson_noise(tmp_path: Path, store: Store) -> None:
    va = daily_rows("p1", "2026-01-05", [20.0] * 10, raw_visits=10) + \
        daily_rows("p2", "2026-01-05", [2.0] * 10, raw_visits=1)
    vb = daily_rows("p1", "2026-01-05", [22.0] * 10, raw_visits=11) + \
        daily_rows("p2", "2026-01-05", [2.0] * 10, raw_visits=2)
    a, b = snapshot_pair(tmp_path, store, va, [place("p1"), place("p2")], vb)
    for scope in ("all", "place:p1", "place:p2"):
        v = one(store, scope).values
        low, high = v["level_change_ci95_pct"]
        assert low < v["level_change_pct"] < high, scope
        assert_metrics(v, ref.metrics(a, b, scope), scope)
    # By hand for p1: k_a = 100, k_b = 110, one visit per half raw visit on both sides.
    ci = stats.binomtest(110, 210).proportion_ci(confidence_level=0.95, method="exact")
    expected = [100 * (p / (1 - p) - 1) for p in (ci.low, ci.high)]
    assert one(store, "place:p1").values["level_change_ci95_pct"] == pytest.approx(expected, rel=1e-9)
    # The small place is read with its noise: a wider interval than the big one.
    small = one(store, "place:p2").values["level_change_ci95_pct"]
    big = one(store, "place:p1").values["level_change_ci95_pct"]
    assert small[1] - small[0] > 2 * (big[1] - big[0])


def test_interval_needs_raw_visits_on_both_sides(tmp_path: Path, store: Store) -> None:
    va = daily_rows("p1", "2026-01-05", [20.0] * 5, raw_visits=10)
    vb = daily_rows("p1", "2026-01-05", [22.0] * 5)
    snapshot_pair(tmp_path, store, va, [place("p1")], vb)
    assert one(store, "all").values["level_change_ci95_pct"] is None


def test_source_and_segment_scopes(tmp_path: Path, store: Store) -> None:
    """source:NAME and segment:NAME: every place, only that source's / group's rows; no segment is "all"."""
    places_ = [place("p1", "Acme"), place("p2", "Bolt"), place("p3", "Core")]
    va = (daily_rows("p1", "2026-01-05", [1, 2, 3], source="s1", segment="young")
          + daily_rows("p1", "2026-01-05", [10, 20, 30], source="s2", segment="young")
          + daily_rows("p2", "2026-01-05", [5, 5, 6], source="s1", segment=None))
    vb = (daily_rows("p1", "2026-01-05", [2, 2, 3], source="s1", segment="young")
          + daily_rows("p2", "2026-01-05", [4, 6, 6], source="s1", segment="old")
          + daily_rows("p2", "2026-01-05", [1, 1, 1], source="s3", segment="young"))
    a, b = snapshot_pair(tmp_path, store, va, places_, vb)
    s1 = one(store, "source:s1").values
    assert (s1["visits_current"], s1["visits_candidate"]) == (22.0, 23.0)
    assert (s1["places_current"], s1["places_candidate"], s1["places_added"]) == (3, 3, 0)
    s2 = one(store, "source:s2").values
    assert (s2["visits_current"], s2["visits_candidate"]) == (60.0, 0.0)
    young = one(store, "segment:young").values
    assert (young["visits_current"], young["visits_candidate"]) == (66.0, 10.0)
    assert one(store, "segment:all").values["visits_current"] == 16.0
    assert one(store, "segment:old").values["visits_current"] == 0.0
    by_source = compare_releases(store, "A", "B", by="source")
    assert [m.scope.scope_id for m in by_source.scopes] == ["source:s1", "source:s2", "source:s3"]
    by_segment = compare_releases(store, "A", "B", by="segment")
    assert [m.scope.value for m in by_segment.scopes] == ["all", "old", "young"]
    for scope in ref.all_scopes(a, b):
        assert_metrics(one(store, scope).values, ref.metrics(a, b, scope), scope)
    assert scope_values(store, ["A", "B"], "sources") == ["s1", "s2", "s3"]
    assert scope_values(store, ["A"], "segment") == ["all", "young"]


def test_customer_and_deal_scopes_resolved_per_release(tmp_path: Path, store: Store) -> None:
    places_a = [
        place("p1", "FreshCo", "Grocery", "NE"), place("p2", "ValueMart", "Grocery", "W"),
        place("p3", "ValueMart", "Grocery", "S"),  # competitor outside the customer's regions
        place("p4", None, "Fitness", "W"),  # independent, named by place_ids
        place("p5", "Gym1", "Fitness", "W"), place("p6", "Gym1", "Fitness", "NE"),
    ]
    places_b = [dict(p) for p in places_a]
    places_b[1]["region"] = "S"  # p2 moves out of the customer's regions
    places_b[4]["category"] = "Grocery"  # p5 relabelled: leaves the deal's category
    vals = {f"p{i}": float(i) for i in range(1, 7)}
    va = [r for p, x in vals.items() for r in daily_rows(p, "2026-01-05", [x, x + 1, x + 2])]
    vb = [r for p, x in vals.items() for r in daily_rows(p, "2026-01-05", [2 * x, x, x + 5])]
    a, b = snapshot_pair(tmp_path, store, va, places_a, vb, places_b)
    holders = Stakeholders(
        (Customer("freshco", "FreshCo Inc.", "key", brands=("FreshCo",), competitors=("ValueMart",),
                  regions=("NE", "W"), place_ids=("p4",)),),
        (Deal("gyms-west", "Pacific Fitness", "trial", categories=("Fitness",), regions=("W",), place_ids=("p1",)),),
        (), "test",
    )
    c = one(store, "customer:freshco", holders).values
    # A: p1, p2, p4; B: p1, p4 (p2 moved to S)
    assert (c["places_current"], c["places_candidate"], c["places_dropped"], c["places_added"]) == (3, 2, 1, 0)
    assert c["visits_current"] == (1 + 2 + 3) + (2 + 3 + 4) + (4 + 5 + 6)
    d = one(store, "deal:gyms-west", holders).values
    # A: p4, p5 (Fitness in W) + p1; B: p4 + p1 (p5 is Grocery now)
    assert (d["places_current"], d["places_candidate"], d["places_dropped"]) == (3, 2, 1)
    comp = compare_releases(store, "A", "B", by="customer", stakeholders=holders)
    assert [(m.scope.scope_id, m.scope.name) for m in comp.scopes] == [("customer:freshco", "FreshCo Inc.")]
    for scope in ("customer:freshco", "deal:gyms-west"):
        assert_metrics(one(store, scope, holders).values, ref.metrics(a, b, scope, holders), scope)


def test_relabelled_category_appears_in_both_scopes(tmp_path: Path, store: Store) -> None:
    """A category that exists in one release only still gets its row, with the place leaving and entering."""
    places_a = [place("p1", category="Cafes"), place("p2", category="Grocery")]
    places_b = [place("p1", category="Coffee Shops"), place("p2", category="Grocery")]
    va = daily_rows("p1", "2026-01-05", [1.0, 2.0, 3.0]) + daily_rows("p2", "2026-01-05", [4.0, 5.0, 7.0])
    a, b = snapshot_pair(tmp_path, store, va, places_a, va, places_b)
    comp = compare_releases(store, "A", "B", by="category")
    rows = {m.scope.scope_id: m.values for m in comp.scopes}
    assert list(rows) == ["category:Cafes", "category:Coffee Shops", "category:Grocery"]
    assert (rows["category:Cafes"]["places_current"], rows["category:Cafes"]["places_dropped"]) == (1, 1)
    assert rows["category:Cafes"]["visits_candidate"] == 0.0
    assert (rows["category:Coffee Shops"]["places_added"], rows["category:Coffee Shops"]["visits_current"]) == (1, 0)
    assert rows["category:Grocery"]["delta"] == 0.0
    for sid, values in rows.items():
        assert_metrics(values, ref.metrics(a, b, sid), sid)
    assert scope_values(store, ["A", "B"], "categories") == ["Cafes", "Coffee Shops", "Grocery"]
    assert scope_values(store, ["A"], "category") == ["Cafes", "Grocery"]
    assert scope_values(store, ["A", "B"], "brand") == ["Acme"]


# ------------------------------------------------------------------------------- entry point rules
def test_defaults_unknowns_and_listings(tmp_path: Path, store: Store) -> None:
    va = daily_rows("p1", "2026-01-05", [1.0, 2.0, 3.0])
    snapshot_pair(tmp_path, store, va, [place("p1", category="Cafes")], va)
    comp = compare_releases(store, None, None)
    assert isinstance(comp, Comparison)
    assert [m.scope.scope_id for m in comp.scopes] == ["all"]
    assert comp.to_json()["rows"][0]["scope_id"] == "all"
    with pytest.raises(NotFoundError, match="unknown release 'nope'.*A, B"):
        compare_releases(store, "nope", "B")
    with pytest.raises(NotFoundError, match="unknown category 'Bakeries'.*known: Cafes"):
        compare_releases(store, "A", "B", scope="category:Bakeries")
    with pytest.raises(NotFoundError, match="unknown place 'p9'.*known: p1"):
        compare_releases(store, "A", "B", by="place", scope="place:p9")
    with pytest.raises(NotFoundError, match="unknown source"):
        compare_releases(store, "A", "B", scope="source:radio")
    with pytest.raises(RelcheckError, match="bad scope"):
        compare_releases(store, "A", "B", scope="galaxy:x")
    with pytest.raises(RelcheckError, match="cannot compare by 'galaxy'"):
        compare_releases(store, "A", "B", by="galaxy")
    with pytest.raises(RelcheckError, match="stakeholders"):
        compare_releases(store, "A", "B", by="customer")
    with pytest.raises(RelcheckError, match="is a category scope but --by is region"):
        compare_releases(store, "A", "B", by="region", scope="category:Cafes")
    holders = Stakeholders((Customer("c1", "C1", brands=("Acme",)),), (), (), "test")
    with pytest.raises(NotFoundError, match="no customer 'c2'.*c1"):
        compare_releases(store, "A", "B", scope="customer:c2", stakeholders=holders)
    with pytest.raises(RelcheckError):
        scope_values(store, ["A"], "galaxy")


def test_no_common_dates_is_a_clear_error(tmp_path: Path, store: Store) -> None:
    snapshot_pair(tmp_path, store, daily_rows("p1", "2026-01-05", [1.0]), [place("p1")],
                  daily_rows("p1", "2026-02-05", [1.0]))
    with pytest.raises(RelcheckError, match="no common dates"):
        compare_releases(store, "A", "B")


def test_no_stakeholder_scopes_gives_no_rows(tmp_path: Path, store: Store) -> None:
    snapshot_pair(tmp_path, store, daily_rows("p1", "2026-01-05", [1.0]), [place("p1")],
                  daily_rows("p1", "2026-01-05", [1.0]))
    comp = compare_releases(store, "A", "B", by="deal", stakeholders=Stakeholders((), (), (), "test"))
    assert comp.scopes == [] and comp.to_json()["rows"] == []


# ----------------------------------------------------------------------------------- properties
@pytest.mark.parametrize("seed", [1, 5, 6])
def test_release_against_itself(tmp_path: Path, store: Store, seed: int) -> None:
    w = random_release_pair(seed)
    fa = write_snapshot(tmp_path / "A", "A", w["visits_a"], w["places_a"])
    ingest_release(store, fa)
    # An identical release under another id (a release is never compared with itself: exit 2).
    ingest_release(store, write_snapshot(tmp_path / "A2", "A2", w["visits_a"], w["places_a"]))
    snap = ref.read_snapshot(fa)
    engine = engine_all(store, w["stakeholders"], "A", "A2")
    for scope, v in engine.items():
        label = f"seed {seed} {scope}"
        assert v["delta"] == 0 and v["visits_current"] == v["visits_candidate"], label
        assert v["places_added"] == 0 and v["places_dropped"] == 0, label
        if v["visits_current"] > 0:
            assert v["level_change_pct"] == 0, label
            assert v["max_share_shift_pp"] == 0, label
        if v["daily_corr"] is not None:
            assert v["daily_corr"] == pytest.approx(1.0, abs=1e-12), label
        elif v["visits_current"] > 0 and v.get("places_current"):
            expected = ref.metrics(snap, snap, scope, w["stakeholders"])["daily_corr"]
            assert expected is None, label  # constant (or too short) series only
        if v["weekly_growth_mae_pp"] is not None:
            assert v["weekly_growth_mae_pp"] == 0 and v["growth_sign_agreement"] == 1, label
        if v["rank_corr"] is not None:
            assert v["rank_corr"] == pytest.approx(1.0, abs=1e-12), label
    everything = engine["all"]
    assert everything["daily_corr"] is not None and everything["weekly_growth_mae_pp"] is not None
    assert everything["rank_corr"] is not None


@pytest.mark.parametrize(("seed", "c"), [(2, 3.0), (4, 0.37), (7, 1e3)])
def test_scaling_the_candidate_changes_only_the_level(tmp_path: Path, store: Store, seed: int, c: float) -> None:
    w = random_release_pair(seed)
    scaled = [dict(r, visits=r["visits"] * c) for r in w["visits_a"]]
    fa = write_snapshot(tmp_path / "A", "A", w["visits_a"], w["places_a"], created_at="2026-11-01T00:00:00Z")
    fb = write_snapshot(tmp_path / "B", "B", scaled, w["places_a"], created_at="2026-11-02T00:00:00Z")
    ingest_release(store, fa)
    ingest_release(store, fb)
    ingest_release(store, write_snapshot(tmp_path / "A2", "A2", w["visits_a"], w["places_a"]))
    same = engine_all(store, w["stakeholders"], "A", "A2")
    moved = engine_all(store, w["stakeholders"], "A", "B")
    level = {"visits_candidate", "delta", "level_change_pct", CI}
    for scope, s in same.items():
        m = moved[scope]
        label = f"seed {seed} c={c} {scope}"
        assert close(m["visits_candidate"], c * s["visits_candidate"], floor=0), label
        assert close(m["delta"], (c - 1) * s["visits_current"], floor=REL * c * max(s["visits_current"], 1)), label
        if s["visits_current"] > 0:
            assert close(m["level_change_pct"], 100 * (c - 1), floor=1e-9), label
        for name in METRIC_NAMES:
            if name in level:
                continue
            x, y = s[name], m[name]
            assert (x is None) == (y is None), f"{label} {name}: {x!r} vs {y!r}"
            if x is not None:
                assert close(y, x), f"{label} {name}: {x!r} vs {y!r}"
        if s[CI] is not None:
            low, high = m[CI]
            assert low < m["level_change_pct"] < high, label


def test_daily_corr_keeps_precision_at_large_levels(tmp_path: Path, store: Store) -> None:
    """A scope of millions of visits a day with a small day-to-day variation: still 1e-9 against scipy."""
    rng = random.Random(11)
    xa = [1e8 + rng.gauss(0, 1) for _ in range(60)]
    xb = [1.1 * x + rng.gauss(0, 1) for x in xa]
    snapshot_pair(tmp_path, store, daily_rows("p1", "2026-01-05", xa), [place("p1")],
                  daily_rows("p1", "2026-01-05", xb))
    assert close(one(store, "all").values["daily_corr"], stats.pearsonr(xa, xb).statistic)


def test_rounding_noise_decides_nothing(tmp_path: Path, store: Store) -> None:
    """Totals equal to 1e-9 relative are tied ranks; a series varying by 1e-12 is constant; a growth of
    1e-12 pp has no sign. Float sums of equal values may differ in their last bits: that noise must not
    rank places apart, make a flat series correlate, or give a flat week a direction."""
    eps = 1e-12
    # rank: A totals p1 = 1, p2 = 1 + 1e-12 (a tie), p3 = 5; B totals 3, 2, 4
    va = (daily_rows("p1", "2026-01-05", [1.0]) + daily_rows("p2", "2026-01-05", [1.0 + eps])
          + daily_rows("p3", "2026-01-05", [5.0]))
    vb = (daily_rows("p1", "2026-01-05", [3.0]) + daily_rows("p2", "2026-01-05", [2.0])
          + daily_rows("p3", "2026-01-05", [4.0]))
    # daily: p4 is flat in A but for 1e-12; weekly: p5 grows 1e-12 % in A, 3 % in B
    va += daily_rows("p4", "2026-01-05", [5.0, 5.0 + 5 * eps] + [5.0] * 12)
    vb += daily_rows("p4", "2026-01-05", [float(i % 3) for i in range(14)])
    va += daily_rows("p5", "2026-01-05", [100.0] * 7 + [100.0 * (1 + 1e-14)] * 7)
    vb += daily_rows("p5", "2026-01-05", [100.0] * 7 + [103.0] * 7)
    places_ = [place("p1", category="Ranked"), place("p2", category="Ranked"), place("p3", category="Ranked"),
               place("p4", category="Flat"), place("p5", category="Weekly")]
    a, b = snapshot_pair(tmp_path, store, va, places_, vb)
    ranked = one(store, "category:Ranked").values
    assert ranked["rank_corr"] == pytest.approx(stats.pearsonr([1.5, 1.5, 3], [2, 1, 3]).statistic, rel=1e-12)
    assert one(store, "place:p4").values["daily_corr"] is None
    weekly = one(store, "place:p5").values
    assert weekly["growth_sign_agreement"] == 0.0  # 0 % against +3 %: no agreement
    for scope in ("category:Ranked", "place:p4", "place:p5"):
        assert_metrics(one(store, scope).values, ref.metrics(a, b, scope), scope)


def test_engine_matches_reference_on_the_demo_sample(sample_store: Store, demo_sample: Any) -> None:
    """The simulated sample (relabels, re-keyed places, several sources and segments, raw visits): every
    customer, deal, category, region, source and segment scope of current vs candidate, and 40 places."""
    result, _ = demo_sample
    folders = dict(zip(result.release_ids, result.release_dirs, strict=True))
    a, b = ref.read_snapshot(folders[result.current_id]), ref.read_snapshot(folders[result.candidate_id])
    holders = load_stakeholders(sample_data_dir() / "stakeholders.toml")
    engine: dict[str, dict[str, Any]] = {}
    for by in ("customer", "deal", "category", "region", "source", "segment", "place"):
        comp = compare_releases(sample_store, result.current_id, result.candidate_id, by=by, stakeholders=holders)
        engine.update({sid: m.values for sid, m in comp.by_scope_id().items()})
    places = sorted(s for s in engine if s.startswith("place:"))
    picked = [s for s in engine if not s.startswith("place:")] + random.Random(3).sample(places, 40)
    for scope in picked:
        assert_metrics(engine[scope], ref.metrics(a, b, scope, holders), scope)


def test_place_deltas_of_a_scope(tmp_path: Path, store: Store) -> None:
    from dashboard.engine.scopes import simple_scope
    from dashboard.engine.session import PairSession

    places_a = [place("p1", category="Cafes"), place("p2", None, category="Cafes"), place("p3", category="Cafes")]
    places_b = [place("p1", category="Cafes"), place("p2", None, category="Bars"), place("p4", category="Cafes")]
    va = daily_rows("p1", "2026-01-05", [5.0, 5.0]) + daily_rows("p2", "2026-01-05", [1.0, 1.0]) + \
        daily_rows("p3", "2026-01-05", [2.0, 2.0])
    vb = daily_rows("p1", "2026-01-05", [6.0, 7.0]) + daily_rows("p2", "2026-01-05", [1.0, 1.0]) + \
        daily_rows("p4", "2026-01-05", [0.5, 0.5])
    snapshot_pair(tmp_path, store, va, places_a, vb, places_b)
    with PairSession(store, "A", "B") as session:
        session.prepare([simple_scope("category", "Cafes")])
        df = session.place_deltas("category:Cafes")
    rows = {r["place_id"]: r for r in df.to_dict("records")}
    assert list(df["place_id"]) == ["p3", "p1", "p2", "p4"]  # |delta| 4, 3, 2 (p2 left for Bars), 1
    assert rows["p1"]["delta"] == 3.0 and rows["p1"]["status"] == "both"
    assert rows["p1"]["level_change_pct"] == pytest.approx(30.0)
    assert rows["p3"]["status"] == "dropped" and rows["p3"]["delta"] == -4.0
    assert rows["p2"]["status"] == "dropped" and rows["p2"]["category_candidate"] == "Bars"
    assert rows["p2"]["brand"] == "(independent)"
    assert rows["p4"]["status"] == "added" and math.isnan(rows["p4"]["level_change_pct"])


def test_rank_ties_chain_and_mix_with_singles(tmp_path: Path, store: Store) -> None:
    """A run of totals each within 1e-9 of the one before is one tie group, even when its ends are further
    apart; exact ties, chains and lone places mixed in one scope rank as the reference ranks them."""
    rng = np.random.default_rng(7)
    step = 0.6e-9  # each within 1e-9 of its predecessor, the run's ends 1.8e-9 apart
    totals_a = [1.0, 1.0 + step, 1.0 + 2 * step, 1.0 + 3 * step, 7.0, 7.0, 7.0, 2.5, 0.0, 0.0]
    totals_a += list(rng.uniform(0, 10, 20))
    totals_b = [3.0, 3.0, 9.0 * (1 + step), 9.0, 4.0, 1.0, 1.0 + step] + list(rng.uniform(0, 10, 23))
    ids = [f"p{i:02d}" for i in range(len(totals_a))]
    order = rng.permutation(len(ids))  # place order unrelated to the totals
    va = [r for i in order for r in daily_rows(ids[i], "2026-01-05", [float(totals_a[i])])]
    vb = [r for i in order for r in daily_rows(ids[i], "2026-01-05", [float(totals_b[i])])]
    a, b = snapshot_pair(tmp_path, store, va, [place(p, category="Mixed") for p in ids], vb)
    got = one(store, "category:Mixed").values
    expected_a = stats.rankdata([1.0] * 4 + totals_a[4:])  # the chain is one group
    expected_b = stats.rankdata([3.0, 3.0, 9.0, 9.0, 4.0, 1.0, 1.0] + totals_b[7:])
    assert got["rank_corr"] == pytest.approx(stats.pearsonr(expected_a, expected_b).statistic, rel=1e-12)
    assert_metrics(got, ref.metrics(a, b, "category:Mixed"), "category:Mixed")
