"""The noise floor: replicates against their base, recomputed by hand; the Poisson fallback; the quantile."""

from __future__ import annotations

import pytest
from noise_world import CURRENT, FLOOR, HISTORY, noise_store
from scipy.special import betaincinv

from dashboard.engine.noise import QUANTILE_FROM, floor_of, noise_floors, replicates_of
from dashboard.engine.scopes import simple_scope

DEFS = [simple_scope("category", "Fitness"), simple_scope("category", "Grocery"), simple_scope("all")]


def test_floor_is_the_largest_deviation_then_a_quantile() -> None:
    assert floor_of([1.0, -3.0, 2.0]) == 3.0
    assert floor_of([]) is None and floor_of([1.0, None]) is None
    many = [float(i) for i in range(1, 21)]  # 20 values: nearest rank ceil(0.95 * 20) = 19
    assert QUANTILE_FROM <= 20 and floor_of([-x for x in many]) == 19.0


def test_replicate_floors_agree_with_a_hand_recomputation() -> None:
    store = noise_store()
    assert replicates_of(store, CURRENT) == ["rep1", "rep2", "rep3"] and replicates_of(store, "r4") == []
    floors = noise_floors(store, CURRENT, DEFS, ["level_change_pct", "daily_corr", "delta", "visits_current"])
    for sid, expected in FLOOR.items():
        f = floors[sid]["level_change_pct"]
        assert (f.method, f.replicates, f.base) == ("replicates", 3, CURRENT)
        assert f.value == pytest.approx(expected, abs=1e-9)
        assert f.to_json() == {"value": f.value, "method": "replicates", "replicates": 3}
    # Scaling every day by one factor keeps the daily series perfectly correlated: no noise in daily_corr.
    assert floors["category:Fitness"]["daily_corr"].value == pytest.approx(0.0, abs=1e-9)
    w = sum(10.0 + (i % 7) for i in range(21))
    assert floors["category:Fitness"]["delta"].value == pytest.approx(0.08 * w)
    assert floors["all"]["visits_current"].method == "none" and floors["all"]["visits_current"].value is None


def test_without_replicates_the_level_falls_back_to_the_poisson_interval() -> None:
    store = noise_store()
    floors = noise_floors(store, "r4", DEFS, ["level_change_pct", "daily_corr"])
    f = floors["category:Fitness"]["level_change_pct"]
    assert (f.method, f.replicates) == ("poisson", 0)
    # Independently: raw visits of the scope k on both sides; Clopper-Pearson bounds mapped to a ratio.
    k = sum(round(HISTORY["r4"][1] * (10.0 + (i % 7)) / 10) for i in range(21))
    lo, hi = betaincinv(k, k + 1, 0.025), betaincinv(k + 1, k, 0.975)
    expected = max(abs(100 * (lo / (1 - lo) - 1)), abs(100 * (hi / (1 - hi) - 1)))
    assert f.value == pytest.approx(expected, rel=1e-9)
    # Smaller scopes are noisier under Poisson sampling too.
    assert floors["category:Grocery"]["level_change_pct"].value < f.value
    corr = floors["category:Fitness"]["daily_corr"]
    assert corr.method == "none" and corr.value is None and "no replicates of r4" in (corr.reason or "")
