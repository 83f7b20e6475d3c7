"""Adtributor (root causes): the surprise, single-element faults, zero-sum shifts, spread changes, pairs of
dimensions that localise a fault and pairs that only refine one.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from attribution.attribution_support import (
    REGIONS,
    close,
)
from scipy.spatial.distance import jensenshannon

from dashboard.attribution import core as at
from dashboard.store.catalog import Store

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


