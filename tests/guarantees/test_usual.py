"""Usual movement: noise band and historical range, recomputed by hand on the tiny store; the marker."""

from __future__ import annotations

import pytest
from noise_world import CURRENT, FLOOR, HISTORY, level, noise_store

from dashboard.engine.noise import NoiseFloor
from dashboard.engine.scopes import simple_scope
from dashboard.guarantees.usual import Usual, beyond_usual, past_pairs, usual_movement


def test_beyond_needs_both_the_band_and_the_range_to_be_left() -> None:
    known = Usual("level_change_pct", NoiseFloor("level_change_pct", 2.0, "replicates", 3), -1.0, 5.0, 4)
    assert known.band == (-2.0, 2.0)
    assert not known.beyond(4.0) and not known.beyond(-1.5) and known.beyond(5.5) and known.beyond(-2.5)
    no_floor = Usual("level_change_pct", NoiseFloor("level_change_pct", None, "none"), -1.0, 5.0, 4)
    assert no_floor.band is None and no_floor.beyond(6.0) and not no_floor.beyond(0.0)
    nothing = Usual("level_change_pct", NoiseFloor("level_change_pct", None, "none"), None, None, 0)
    assert not nothing.beyond(100.0) and not known.beyond(None)


def test_usual_movement_of_the_tiny_store() -> None:
    store = noise_store()
    ids = list(HISTORY)
    assert past_pairs(store, "r3") == [("r1", "r2"), ("r2", "r3")]
    # The first release has no past: its review must not count itself (or any later pair) as history.
    assert past_pairs(store, ids[0]) == []
    assert usual_movement(store, ids[0], [simple_scope("category", "Fitness")], ["level_change_pct"])[
        "category:Fitness"]["level_change_pct"].pairs == 0
    assert past_pairs(store, CURRENT) == list(zip(ids, ids[1:], strict=False))
    fitness = simple_scope("category", "Fitness")
    usual = usual_movement(store, CURRENT, [fitness], ["level_change_pct"])["category:Fitness"]["level_change_pct"]
    past = [level(HISTORY[a], HISTORY[b], 1) for a, b in zip(ids, ids[1:], strict=False)]
    assert (usual.low, usual.high) == (pytest.approx(min(past)), pytest.approx(max(past)))
    assert usual.noise_floor.value == pytest.approx(FLOOR["category:Fitness"]) and usual.pairs == 4
    marks = beyond_usual({"category:Fitness": {"level_change_pct": usual}},
                         {"category:Fitness": {"level_change_pct": -50.0}}, ["level_change_pct"])
    assert marks == {"category:Fitness": ["level_change_pct"]}
    assert beyond_usual({"category:Fitness": {"level_change_pct": usual}},
                        {"category:Fitness": {"level_change_pct": 6.0}}, ["level_change_pct"]) == {}
