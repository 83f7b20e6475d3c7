"""Each perturbation kind applied to a tiny release, checked row by row against what it must do."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from typing import Any

import pandas as pd
import pytest
from chaos_world import D0, DAYS, RID, VISITS, by_date, results, scenario, virtual

from dashboard.chaos.candidate import scenario_side
from dashboard.chaos.scenario import Perturbation
from dashboard.engine.session import PairSession
from dashboard.store.catalog import Store


def test_lose_day_removes_that_date_only(world: tuple[Store, Any]) -> None:
    store, _ = world
    day = D0 + dt.timedelta(days=9)
    got = virtual(store, Perturbation("lose_day", date=day))
    expected = VISITS[VISITS["date"] != day]
    assert len(got["visits"]) == len(expected)
    assert by_date(got["visits"]) == by_date(expected)
    assert by_date(got["daily"]) == by_date(expected)
    assert day not in by_date(got["daily"])


def test_lose_day_of_one_source_in_one_region(world: tuple[Store, Any]) -> None:
    store, _ = world
    day = D0 + dt.timedelta(days=3)
    got = virtual(store, Perturbation("lose_day", date=day, source="y", regions=("NE",)))
    gone = (VISITS["date"] == day) & (VISITS["source"] == "y") & VISITS["place_id"].isin(["p3", "p4"])
    assert by_date(got["visits"]) == by_date(VISITS[~gone])


def test_duplicate_day_counts_that_date_twice(world: tuple[Store, Any]) -> None:
    store, _ = world
    day = D0 + dt.timedelta(days=20)
    got = virtual(store, Perturbation("duplicate_day", date=day))
    expected = pd.concat([VISITS, VISITS[VISITS["date"] == day]])
    assert len(got["visits"]) == len(expected)
    assert by_date(got["daily"]) == by_date(expected)
    assert by_date(got["daily"])[day] == pytest.approx(2 * by_date(VISITS)[day])


def test_shift_dates_moves_one_source_by_a_day(world: tuple[Store, Any]) -> None:
    store, people = world
    got = virtual(store, Perturbation("shift_dates", source="y", days=1))
    shifted = VISITS.copy()
    ys = shifted["source"] == "y"
    shifted.loc[ys, "date"] = shifted.loc[ys, "date"] + dt.timedelta(days=1)
    assert by_date(got["visits"]) == by_date(shifted)
    assert by_date(got["daily"]) == by_date(shifted)
    assert max(by_date(got["daily"])) == D0 + dt.timedelta(days=DAYS)
    back = virtual(store, Perturbation("shift_dates", source="y", days=-1))
    assert min(by_date(back["daily"])) == D0 - dt.timedelta(days=1)
    # The comparison window is the overlap: y's last day falls out of it.
    side = scenario_side(store, RID, scenario(Perturbation("shift_dates", source="y", days=1)))
    with PairSession(store, RID, side) as session:
        assert (session.window.start, session.window.end) == (D0, D0 + dt.timedelta(days=DAYS - 1))
    total = results(store, people, Perturbation("shift_dates", source="y", days=1))[("all", "total level")]
    last = D0 + dt.timedelta(days=DAYS - 1)
    lost = VISITS[(VISITS["source"] == "y") & (VISITS["date"] == last)]["visits"].sum()
    assert total.value == pytest.approx(-100.0 * lost / VISITS["visits"].sum())


def test_scale_source_in_a_region_from_a_date(world: tuple[Store, Any]) -> None:
    store, _ = world
    start = D0 + dt.timedelta(days=14)
    got = virtual(store, Perturbation("scale_source", source="y", regions=("NE",), start=start, factor=0.5))
    hit = (VISITS["source"] == "y") & VISITS["place_id"].isin(["p3", "p4"]) & (VISITS["date"] >= start)
    expected = VISITS.copy()
    expected.loc[hit, "visits"] *= 0.5
    assert by_date(got["visits"]) == by_date(expected)
    # raw visits scale too, rounded half away from zero (SQL round)
    want = [math.floor(r * 0.5 + 0.5) if h else r for r, h in zip(VISITS["raw_visits"], hit, strict=True)]
    assert got["visits"]["raw_visits"].sum() == sum(want)


def test_drop_source_until_a_date(world: tuple[Store, Any]) -> None:
    store, _ = world
    until = D0 + dt.timedelta(days=6)
    got = virtual(store, Perturbation("drop_source", source="x", until=until))
    gone = (VISITS["source"] == "x") & (VISITS["date"] <= until)
    assert by_date(got["visits"]) == by_date(VISITS[~gone])


def test_drop_places_of_a_category_or_brand(world: tuple[Store, Any]) -> None:
    store, _ = world
    got = virtual(store, Perturbation("drop_places", category="Gym"))
    assert sorted(got["places"]["place_id"]) == ["p1", "p2"]
    assert set(got["visits"]["place_id"]) == {"p1", "p2"}
    assert by_date(got["daily"]) == by_date(VISITS[VISITS["place_id"].isin(["p1", "p2"])])
    got = virtual(store, Perturbation("drop_places", brand="A", regions=("NE",)))  # A is only in W
    assert sorted(got["places"]["place_id"]) == ["p1", "p2", "p3", "p4"]
    got = virtual(store, Perturbation("drop_places", brand="C"))
    assert sorted(got["places"]["place_id"]) == ["p1", "p2"]


def test_perturbations_apply_in_order(world: tuple[Store, Any]) -> None:
    store, _ = world
    day = D0 + dt.timedelta(days=27)
    # Shift y a day later, then lose the (new) last day: y's rows of day 27 are gone, day 28 remains.
    got = virtual(store, Perturbation("shift_dates", source="y"), Perturbation("lose_day", date=day))
    totals = by_date(got["daily"])
    assert day not in totals
    assert totals[day + dt.timedelta(days=1)] == pytest.approx(
        VISITS[(VISITS["source"] == "y") & (VISITS["date"] == day)]["visits"].sum())


def test_noise_is_deterministic_by_seed(world: tuple[Store, Any]) -> None:
    store, people = world
    a = virtual(store, Perturbation("noise", cv=0.1, seed=1))["visits"]
    b = virtual(store, Perturbation("noise", cv=0.1, seed=1))["visits"]
    c = virtual(store, Perturbation("noise", cv=0.1, seed=2))["visits"]
    pd.testing.assert_frame_equal(a, b)
    assert not a["visits"].equals(c["visits"])
    assert (a["raw_visits"] == c["raw_visits"]).all()  # the observed panel is left alone
    zero = virtual(store, Perturbation("noise", cv=0.0, seed=1))["visits"]
    assert by_date(zero) == by_date(VISITS)
    # The gate's metrics agree too (to the last bits DuckDB's parallel sums leave to chance).
    r1 = results(store, people, Perturbation("noise", cv=0.1, seed=1))
    r2 = results(store, people, Perturbation("noise", cv=0.1, seed=1))
    r3 = results(store, people, Perturbation("noise", cv=0.1, seed=2))
    assert r1.keys() == r2.keys() == r3.keys()
    for k in r1:
        assert r1[k].status == r2[k].status
        assert r1[k].value == pytest.approx(r2[k].value, rel=1e-12, abs=1e-12)
    assert any(r1[k].value != pytest.approx(r3[k].value, rel=1e-6) for k in r1)


def test_noise_has_mean_one_and_the_asked_cv(world: tuple[Store, Any]) -> None:
    store, _ = world
    cv = 0.3
    ratios = []
    for seed in range(20):
        got = virtual(store, Perturbation("noise", cv=cv, seed=seed, source="x"))["visits"]
        base = VISITS.sort_values(["place_id", "date", "source", "segment"]).reset_index(drop=True)
        hit = base["source"] == "x"
        assert (got.loc[~hit, "visits"].to_numpy() == base.loc[~hit, "visits"].to_numpy()).all()
        ratios += list(got.loc[hit, "visits"].to_numpy() / base.loc[hit, "visits"].to_numpy())
    n = len(ratios)  # 20 seeds x 56 rows
    mean, sd = statistics.fmean(ratios), statistics.stdev(ratios)
    assert abs(mean - 1.0) < 4 * cv / math.sqrt(n)
    assert abs(sd / mean - cv) < 0.15 * cv
    assert min(ratios) > 0
