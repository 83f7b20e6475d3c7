"""History backtests on a tiny store: values and statuses recomputed by hand, suggested thresholds hold."""

from __future__ import annotations

import math

import pytest
from noise_world import CURRENT, FLOOR, HISTORY, level, noise_store

from dashboard.engine.scopes import simple_scope
from dashboard.errors import RelcheckError
from dashboard.guarantees import suggest
from dashboard.guarantees.backtest import backtest, default_criterion, history_pairs, noise_base
from dashboard.stakeholders import parse_stakeholders

FITNESS = simple_scope("category", "Fitness")
IDS = list(HISTORY)


@pytest.fixture(scope="module")
def fitness_level():
    return backtest(noise_store(), FITNESS, default_criterion("level_change_pct"), share=0.75)


def test_pairs_are_the_consecutive_releases_by_created_at() -> None:
    store = noise_store()
    assert history_pairs(store) == list(zip(IDS, IDS[1:], strict=False))  # candidates/replicates left out
    assert noise_base(store) == CURRENT


def test_values_statuses_and_noise_floor_agree_with_a_hand_recomputation(fitness_level) -> None:
    expected = [level(HISTORY[a], HISTORY[b], 1) for a, b in zip(IDS, IDS[1:], strict=False)]
    got = fitness_level.to_json()
    assert list(got) == ["scope", "pairs", "pass_rate", "noise_floor", "suggested"]
    assert got["scope"] == "category:Fitness"
    assert [(p["current"], p["candidate"]) for p in got["pairs"]] == list(zip(IDS, IDS[1:], strict=False))
    assert [p["value"] for p in got["pairs"]] == pytest.approx(expected)
    bound = 3 * FLOOR["category:Fitness"]
    assert [p["status"] for p in got["pairs"]] == ["pass" if abs(v) <= bound else "fail" for v in expected]
    assert got["pass_rate"] == pytest.approx(sum(abs(v) <= bound for v in expected) / len(expected))
    assert got["noise_floor"] == {"value": pytest.approx(8.0), "method": "replicates", "replicates": 3}
    assert got["suggested"]["by_noise"] == pytest.approx(bound)
    # by_history: k = ceil(0.75 * 4) = 3, the third smallest |value|.
    assert got["suggested"]["by_history"] == pytest.approx(sorted(abs(v) for v in expected)[2])


@pytest.mark.parametrize("share", [0.5, 0.75, 0.8, 1.0])
def test_suggested_threshold_holds_on_the_stated_share_and_no_tighter_one_does(share: float) -> None:
    result = backtest(noise_store(), simple_scope("category", "Grocery"), default_criterion("level_change_pct"),
                      share=share)
    values = [p.value for p in result.pairs]
    t = result.by_history
    assert t is not None
    held = sum(abs(v) <= t for v in values)
    assert held / len(values) >= share
    tighter = max((abs(v) for v in values if abs(v) < t), default=None)
    if tighter is not None:
        assert sum(abs(v) <= tighter for v in values) / len(values) < share


def test_suggestions_for_floors_ceilings_and_missing_values() -> None:
    assert suggest.by_history([0.99, 0.9, 0.95, None], "min", 1.0, 0.5) == 0.95
    assert suggest.by_history([3.0, 1.0, 2.0], "max", 0.0, 1.0) == 3.0
    assert suggest.by_history([1.0, None, None], "max", 0.0, 0.8) is None  # k = 3 pairs needed, 1 known
    assert suggest.by_noise(0.01, "min", 1.0, 3) == pytest.approx(0.97)
    assert suggest.needed(0.8, 5) == 4 and suggest.needed(0.6, 5) == 3


def test_a_criterion_of_the_file_is_judged_as_the_gate_would() -> None:
    people = parse_stakeholders("""
[[criteria]]
name = "fitness steady"
applies_to = "categories"
metric = "level_change_pct"
min = -5.0
max = 5.0
severity = "warn"
""", "t.toml")
    result = backtest(noise_store(), FITNESS, people.criterion("fitness steady"))
    values = [level(HISTORY[a], HISTORY[b], 1) for a, b in zip(IDS, IDS[1:], strict=False)]
    assert [p.status for p in result.pairs] == ["pass" if abs(v) <= 5 else "warn" for v in values]


@pytest.mark.parametrize("share", [0.0, -0.1, 1.5, math.nan])
def test_share_outside_0_1_is_refused(share: float) -> None:
    with pytest.raises(RelcheckError, match=r"--share must be in \(0, 1\]"):
        backtest(noise_store(), FITNESS, default_criterion("level_change_pct"), share=share)
