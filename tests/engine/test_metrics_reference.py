"""The consistency metrics against an independent reference (pandas and scipy over the raw snapshot files) on
random release pairs and the demo sample, and properties: a release against itself, a scaled candidate,
precision at large levels, rounding noise.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import metrics_reference as ref
import pytest
from engine.metrics_support import (
    CI,
    REL,
    assert_metrics,
    close,
    engine_all,
    one,
    place,
    random_release_pair,
    snapshot_pair,
)
from scipy import stats
from snapshots import daily_rows, write_snapshot

from dashboard.engine.metrics import compare_releases
from dashboard.metric_catalog import METRIC_NAMES
from dashboard.paths import sample_data_dir
from dashboard.stakeholders import load_stakeholders
from dashboard.store.catalog import Store
from dashboard.store.ingest import ingest_release


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


