"""Attribution on the simulated sample: does relcheck find the changes the simulator injected?

The simulator (dashboard/simulator.py) writes the history, the current release, the candidate and the
one-at-a-time ablation runs from both ends, plus ground_truth.json with the exact Shapley value of every
component (over the full 2^5 lattice), the paired one-at-a-time estimate and the injected changes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dashboard.attribution import core as at
from dashboard.paths import sample_data_dir
from dashboard.store.catalog import Store

STAKEHOLDERS = sample_data_dir() / "stakeholders.toml"


@pytest.fixture(scope="module")
def sample(sample_store: Store, ground_truth: dict[str, Any]) -> tuple[Store, dict[str, Any]]:
    return sample_store, ground_truth


def pair(gt: dict[str, Any]) -> tuple[str, str]:
    return gt["pair"]["current"], gt["pair"]["candidate"]


def change(gt: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(c for c in gt["changes"] if c["kind"] == kind)


def test_the_source_that_lost_devices_comes_first_for_the_affected_deal(
    sample: tuple[Store, dict[str, Any]]
) -> None:
    """The sample's stakeholders file designs the Pacific Fitness trial (gyms in W) to fail on the loss."""
    store, gt = sample
    loss = change(gt, "source_device_loss")
    cur, cand = pair(gt)
    deal = "deal:pacific-fitness-trial"
    rc = at.root_causes(store, cur, cand, deal, stakeholders=STAKEHOLDERS)
    first = rc.sets[0]
    assert first.dimensions == ("source",) and first.values == [loss["source"]]
    assert (first.explanatory_power or 0.0) > at.TEP and not rc.unexplained
    worst = min(at.region_source_matrix(store, cur, cand, deal, stakeholders=STAKEHOLDERS), key=lambda c: c.delta)
    assert (worst.source, worst.region) == (loss["source"], loss["region"])
    # In the whole region, the source is among the top sets too (the category relabel competes there).
    in_region = at.root_causes(store, cur, cand, f"region:{loss['region']}")
    assert any(s.dimensions == ("source",) and s.values == [loss["source"]] for s in in_region.sets)


def test_the_source_region_pair_comes_first_for_a_customer_across_regions(
    sample: tuple[Store, dict[str, Any]]
) -> None:
    """FuelUp (fuel stations and their competitors, every region) loses visits mostly to the device loss: the
    pair search names the source in its region, not the source alone, nor the region alone."""
    store, gt = sample
    loss = change(gt, "source_device_loss")
    cur, cand = pair(gt)
    rc = at.root_causes(store, cur, cand, "customer:fuelup", stakeholders=STAKEHOLDERS)
    assert rc.visits_candidate < rc.visits_current
    first = rc.sets[0]
    assert first.dimensions == ("source", "region")
    assert first.values == [loss["source"], loss["region"]]  # one element of the pair: its two values
    assert (first.explanatory_power or 0.0) > at.TEP and not rc.unexplained


def test_the_lost_cell_stands_out_in_the_source_region_lens(sample: tuple[Store, dict[str, Any]]) -> None:
    store, gt = sample
    loss = change(gt, "source_device_loss")
    cur, cand = pair(gt)
    rc = at.root_causes(store, cur, cand, "all")
    cells = rc.table("source", "region")
    assert cells[0].values == (loss["source"], loss["region"])  # the most surprising element
    assert min(cells, key=lambda e: e.delta).values == (loss["source"], loss["region"])
    worst = min(at.region_source_matrix(store, cur, cand), key=lambda c: c.delta)
    assert (worst.source, worst.region) == (loss["source"], loss["region"])
    # Within the source's own scope, its region alone explains more than TEP of the loss.
    in_source = at.root_causes(store, cur, cand, f"source:{loss['source']}")
    best = max(in_source.table("region"), key=lambda e: e.explanatory_power or 0.0)
    assert best.values == (loss["region"],) and (best.explanatory_power or 0.0) > at.TEP


SCOPES = ["all", "region:W", "source:sdk_beta", "segment:visitors", "brand:FreshCo"]


@pytest.fixture(scope="module")
def components(sample: tuple[Store, dict[str, Any]]) -> dict[str, at.ComponentAttribution]:
    store, gt = sample
    return at.by_component_many(store, *pair(gt), SCOPES)


@pytest.mark.parametrize("scope", SCOPES)
def test_component_contributions_match_the_ground_truth(
    sample: tuple[Store, dict[str, Any]], components: dict[str, at.ComponentAttribution], scope: str
) -> None:
    _, gt = sample
    truth = gt["attribution_truth"]["scopes"][scope]
    c = components[scope]
    scale = max(1.0, abs(truth["v_current"]))
    # The sample has the one-at-a-time runs from both ends: the paired estimate, as the simulator computes it.
    assert c.method == "paired"
    assert set(c.players) == set(gt["components"])
    for comp, want in truth["paired_oat"].items():
        assert abs(c.contributions[comp] - want) <= 1e-9 * scale, comp
    assert abs(c.interaction - truth["paired_oat_interaction"]) <= 1e-9 * scale
    assert abs(sum(c.contributions.values()) + c.interaction - truth["delta"]) <= 1e-9 * scale
    # The paired estimate stays within the stated interaction of the exact Shapley value.
    for comp, exact in truth["shapley"].items():
        assert abs(c.contributions[comp] - exact) <= abs(c.interaction) + 1e-9 * scale, comp
    # Every ablation run is used, with the swapped set its manifest declares.
    declared = {r["release_id"]: tuple(sorted(r["swapped"])) for r in gt["releases"] if r["kind"] == "ablation"}
    used = {r.release_id: tuple(sorted(r.swapped)) for r in c.runs}
    assert {k: used[k] for k in declared} == declared


@pytest.mark.parametrize("scope", SCOPES)
def test_the_negative_control_gets_nothing(
    sample: tuple[Store, dict[str, Any]], components: dict[str, at.ComponentAttribution], scope: str
) -> None:
    _, gt = sample
    control = change(gt, "negative_control")["component"]
    scale = max(1.0, abs(gt["attribution_truth"]["scopes"][scope]["v_current"]))
    assert abs(components[scope].contributions[control]) <= 1e-9 * scale


def test_the_gaussian_attribution_change_goes_to_the_attribution_component(
    sample: tuple[Store, dict[str, Any]]
) -> None:
    store, gt = sample
    cur, cand = pair(gt)
    method_change = change(gt, "attribution_method")
    comp = method_change["component"]
    # It moves visits between neighbouring places, most in malls: the mall operator's place ranking breaks
    # (the sample's stakeholders file designs that warning), and that is the attribution component's doing.
    ranks = at.by_component(store, cur, cand, "customer:meridian-properties", stakeholders=STAKEHOLDERS,
                            metric="rank_corr")
    assert ranks.method == "paired" and ranks.total < 0
    assert max(ranks.contributions, key=lambda k: abs(ranks.contributions[k])) == comp
    assert ranks.contributions[comp] < 0 and abs(ranks.contributions[comp]) > 0.5 * abs(ranks.total)
    assert abs(sum(ranks.contributions.values()) + ranks.interaction - ranks.total) < 1e-12
    # The place it moved most: the attribution component carries its delta.
    top = method_change["expected"]["top_moved_places"][0]
    place = at.by_component(store, cur, cand, f"place:{top['place_id']}")
    assert max(place.contributions, key=lambda k: abs(place.contributions[k])) == comp
    assert place.contributions[comp] * top["change_pct"] > 0
    assert abs(place.contributions[comp]) > 0.5 * abs(place.total)


def test_attribute_on_the_sample_sums_and_serialises(sample: tuple[Store, dict[str, Any]]) -> None:
    store, gt = sample
    a = at.attribute(store, *pair(gt), "region:W")
    total = a.total_delta
    tol = 1e-9 * a.visits_current
    assert abs(total - gt["attribution_truth"]["scopes"]["region:W"]["delta"]) <= tol
    assert abs(sum(r.delta for r in a.by_source.rows) - total) <= tol
    e = a.by_effect
    assert abs(e.added_places_delta + e.dropped_places_delta + e.common_places_delta - total) <= tol
    assert abs(a.mix_rate.rate_part + a.mix_rate.mix_part - a.mix_rate.change) <= 1e-9 * a.mix_rate.value_current
    assert a.by_component.method == "paired"
    json.dumps(a.to_json(), allow_nan=False)


def test_sample_folder_is_generated_in_tmp(sample: tuple[Store, dict[str, Any]]) -> None:
    store, gt = sample
    assert Path(store.home).exists() and gt["pair"]["current"] in store.release_ids()
