"""The consistency metrics (DESIGN section 5) on hand-computed cases: weekly growth, empty and tiny scopes,
rank and share, the interval, source/segment and stakeholder scopes, relabels, place deltas, rank ties.

Against the independent reference (``tests/metrics_reference.py``) and properties: test_metrics_reference.py;
the entry point's rules: test_compare_entry.py.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import metrics_reference as ref
import numpy as np
import pytest
from engine.metrics_support import (
    assert_metrics,
    one,
    place,
    snapshot_pair,
)
from scipy import stats
from snapshots import daily_rows

from dashboard.engine.metrics import compare_releases, scope_values
from dashboard.stakeholders.model import Customer, Deal, Stakeholders
from dashboard.store.catalog import Store


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
