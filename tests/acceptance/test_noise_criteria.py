"""Noise-relative criteria (threshold_noise = k): one criterion fits a small noisy scope and a big quiet one."""

from __future__ import annotations

import pytest
from noise_world import CURRENT, FLOOR, noise_store

from dashboard.acceptance.gate import evaluate_gate
from dashboard.stakeholders import parse_stakeholders

FILE = """
[[criteria]]
name = "fixed level"
applies_to = "categories"
metric = "level_change_pct"
min = -5.0
max = 5.0
severity = "block"

[[criteria]]
name = "level within noise"
applies_to = "categories"
metric = "level_change_pct"
threshold_noise = 3
severity = "block"

[[criteria]]
name = "trend within noise"
applies_to = "categories"
metric = "weekly_growth_mae_pp"
threshold_noise = 3
severity = "warn"

[[criteria]]
name = "trend within noise, blocking"
applies_to = "categories"
metric = "weekly_growth_mae_pp"
threshold_noise = 3
severity = "block"
"""


@pytest.fixture(scope="module")
def stakeholders():
    return parse_stakeholders(FILE, "noise.toml")


def test_noise_relative_passes_a_small_noisy_scope_that_a_fixed_threshold_fails(stakeholders) -> None:
    gate = evaluate_gate(noise_store(), CURRENT, "ok", stakeholders, attribute=False)
    fixed = gate.result("fixed level", "category:Fitness")
    noise = gate.result("level within noise", "category:Fitness")
    assert fixed is not None and noise is not None
    assert fixed.value == pytest.approx(6.0) and fixed.status == "fail"
    assert noise.status == "pass" and noise.op == "between"
    assert noise.threshold == pytest.approx([-3 * FLOOR["category:Fitness"], 3 * FLOOR["category:Fitness"]])
    assert "3 x noise floor 8 (3 replicates of r5)" in (noise.note or "")
    grocery = gate.result("level within noise", "category:Grocery")
    assert grocery is not None and grocery.status == "pass"
    assert grocery.threshold == pytest.approx([-0.6, 0.6])


def test_noise_relative_still_catches_an_injected_fault(stakeholders) -> None:
    gate = evaluate_gate(noise_store(), CURRENT, "fault", stakeholders, attribute=False)
    noise = gate.result("level within noise", "category:Fitness")
    assert noise is not None and noise.value == pytest.approx(-50.0) and noise.status == "fail"
    assert gate.verdict == "fail"


def test_unknown_noise_floor_is_no_data_with_the_reason(stakeholders) -> None:
    # r4 has no replicates: the level falls back to its Poisson interval, the weekly trend has no floor.
    gate = evaluate_gate(noise_store(), "r4", CURRENT, stakeholders, attribute=False)
    level = gate.result("level within noise", "category:Fitness")
    assert level is not None and "Poisson" in (level.note or "") and level.threshold is not None
    trend = gate.result("trend within noise", "category:Fitness")
    assert trend is not None and trend.status == "no_data" and trend.threshold is None
    assert "noise floor of weekly_growth_mae_pp on this scope is unknown" in (trend.note or "")
    assert "no replicates of r4" in (trend.note or "")
    # A block criterion too: an unknown floor is no_data with its reason, not a fail (issue 14, point 3).
    blocking = gate.result("trend within noise, blocking", "category:Fitness")
    assert blocking is not None and blocking.status == "no_data" and blocking.threshold is None
    assert "no replicates of r4" in (blocking.note or "")
