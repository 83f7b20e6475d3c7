"""Joint explanation (issue 15): exact additivity, cancelling changes, planted changes found, edge cases."""

from __future__ import annotations

import json
import math
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.attribution.joint import METHOD, JointExplanation, joint_explanation

SOURCES = ("sdk_a", "sdk_b", "bidstream_c", "wifi_d")
SOURCE_SHARE = (0.10, 0.45, 0.35, 0.10)
REGIONS = ("NE", "SE", "MW", "W", "SW")
CATEGORIES = tuple(f"cat{i}" for i in range(12))
BRANDS = {c: (f"{c}_b0", f"{c}_b1", f"{c}_b2") for c in CATEGORIES}
SEGMENTS = ("commuters", "visitors")
Cell = dict[str, Any]
Key = tuple[str, str, str, str, str]


def world(rng: random.Random) -> dict[Key, float]:
    """Current visits per finest cell: brands nested in categories, realistic source shares."""
    out: dict[Key, float] = {}
    for c in CATEGORIES:
        for b in BRANDS[c]:
            level = rng.lognormvariate(math.log(20_000), 0.6)
            for r in REGIONS:
                places = rng.lognormvariate(math.log(30), 0.4)
                for s, share in zip(SOURCES, SOURCE_SHARE, strict=True):
                    for g, gshare in zip(SEGMENTS, (0.6, 0.4), strict=True):
                        out[(s, r, c, b, g)] = level * places * share * gshare
    return out


def cells_of(cur: dict[Key, float], cand: dict[Key, float]) -> list[Cell]:
    rows = []
    for k in set(cur) | set(cand):
        rows.append({"source": k[0], "region": k[1], "category": k[2], "brand": k[3], "segment": k[4],
                     "visits_current": cur.get(k, 0.0), "visits_candidate": cand.get(k, 0.0)})
    return rows


def assert_additive(result: JointExplanation, rows: list[Cell]) -> None:
    total = math.fsum(r["visits_candidate"] - r["visits_current"] for r in rows)
    scale = max(1.0, math.fsum(abs(r["visits_candidate"] - r["visits_current"]) for r in rows))
    assert result.total_delta == pytest.approx(total, abs=1e-9 * scale)
    assert result.explained + result.unexplained == pytest.approx(total, abs=1e-9 * scale)
    assert sum(s.share_of_movement for s in result.segments) <= 1 + 1e-9
    assert sum(s.cells for s in result.segments) <= len(rows)  # each cell counted at most once


def named(result: JointExplanation) -> list[dict[str, Any]]:
    return [dict(zip(s.dimensions, s.values, strict=True)) for s in result.segments]


def found(segments: list[dict[str, Any]], signatures: list[dict[str, Any]]) -> bool:
    """A segment equal to a signature, or a pair containing a one-dimension signature."""
    return any(seg == sig or (len(seg) == 2 and len(sig) == 1 and sig.items() <= seg.items())
               for seg in segments for sig in signatures)


# ------------------------------------------------------------------------------ additivity


cell_strategy = st.fixed_dictionaries({
    "source": st.sampled_from(SOURCES[:3]),
    "region": st.sampled_from(REGIONS[:3]),
    "category": st.sampled_from(CATEGORIES[:3]),
    "brand": st.sampled_from(("x", "y", None)),
    "segment": st.sampled_from(SEGMENTS),
    "visits_current": st.one_of(st.just(0.0), st.floats(0, 1e7, allow_nan=False)),
    "visits_candidate": st.one_of(st.just(0.0), st.floats(0, 1e7, allow_nan=False)),
})


@settings(max_examples=150, deadline=None)
@given(st.lists(cell_strategy, max_size=60), st.integers(0, 6), st.sampled_from((0.0, 0.01, 0.2)))
def test_contributions_and_remainder_sum_to_the_delta(rows: list[Cell], max_segments: int,
                                                      min_share: float) -> None:
    result = joint_explanation(rows, max_segments=max_segments, min_share=min_share)
    assert_additive(result, rows)
    assert len(result.segments) <= max_segments
    assert all(1 <= len(s.dimensions) <= 2 and s.cells >= 1 for s in result.segments)
    keys = {(s.dimensions, s.values) for s in result.segments}
    assert len(keys) == len(result.segments)  # a segment is chosen at most once


def test_on_a_world_with_noise_the_sum_holds_and_segments_are_ranked() -> None:
    rng = random.Random(7)
    cur = world(rng)
    cand = {k: v * rng.gauss(1.0, 0.02) for k, v in cur.items()}
    for k in cand:
        if k[1] == "W":
            cand[k] *= 0.85
    rows = cells_of(cur, cand)
    result = joint_explanation(rows)
    assert_additive(result, rows)
    assert named(result)[0] == {"region": "W"}
    shares = [s.share_of_movement for s in result.segments]
    assert shares[0] == max(shares)


# ------------------------------------------------------------------------------ cancelling changes


def test_equal_and_opposite_changes_in_two_regions_are_both_named() -> None:
    rng = random.Random(3)
    cur = world(rng)
    ne = sum(v for k, v in cur.items() if k[1] == "NE")
    sw = sum(v for k, v in cur.items() if k[1] == "SW")
    cand = dict(cur)
    for k in cand:
        if k[1] == "NE":
            cand[k] *= 1.10
        elif k[1] == "SW":
            cand[k] *= 1 - 0.10 * ne / sw  # the same number of visits, the other way
    rows = cells_of(cur, cand)
    result = joint_explanation(rows)
    assert abs(result.total_delta) < 1e-6 * sum(cur.values())
    assert named(result) == [{"region": "NE"}, {"region": "SW"}] or named(result) == [{"region": "SW"},
                                                                                      {"region": "NE"}]
    assert result.segments[0].delta == pytest.approx(-result.segments[1].delta, rel=1e-9)
    assert sum(s.share_of_movement for s in result.segments) == pytest.approx(1.0)
    assert result.unexplained == pytest.approx(0.0, abs=1e-6 * ne)


# ------------------------------------------------------------------------------ planted changes


def plant(rng: random.Random, cur: dict[Key, float], n: int) -> tuple[dict[Key, float], list[list[dict]]]:
    """Candidate with n changes of random kind: a source in a region loses devices, a brand relabelled to
    another category, a region scaled, part of a brand's visits moved to another brand."""
    cand = {k: v * rng.gauss(1.0, 0.005) for k, v in cur.items()}
    truth: list[list[dict]] = []
    brands = [b for c in CATEGORIES for b in BRANDS[c]]
    rng.shuffle(brands)
    regions = list(REGIONS)
    rng.shuffle(regions)
    for _ in range(n):
        kind = rng.choice(("device_loss", "relabel", "region_scale", "brand_move"))
        if kind == "device_loss":
            s, r = rng.choice(SOURCES[1:3]), rng.choice(REGIONS)
            loss = rng.uniform(0.2, 0.4)
            for k in cand:
                if k[0] == s and k[1] == r:
                    cand[k] *= 1 - loss
            truth.append([{"source": s, "region": r}])
        elif kind == "region_scale":
            r = regions.pop()
            factor = 1 + rng.choice((-1, 1)) * rng.uniform(0.08, 0.15)
            for k in cand:
                if k[1] == r:
                    cand[k] *= factor
            truth.append([{"region": r}])
        elif kind == "relabel":
            b = brands.pop()
            old = b.split("_")[0]
            new = rng.choice([c for c in CATEGORIES if c != old])
            for k in [k for k in cand if k[3] == b]:
                nk = (k[0], k[1], new, k[3], k[4])
                cand[nk] = cand.get(nk, 0.0) + cand.pop(k)
            truth.append([{"brand": b}, {"category": old}, {"category": new}])
        else:
            b = brands.pop()
            to = rng.choice([x for x in BRANDS[b.split("_")[0]] if x != b])
            share = rng.uniform(0.3, 0.5)
            for k in [k for k in cand if k[3] == b]:
                moved = cand[k] * share
                cand[k] -= moved
                nk = (k[0], k[1], k[2], to, k[4])
                cand[nk] = cand.get(nk, 0.0) + moved
            truth.append([{"brand": b}, {"brand": to}])
    return cand, truth


def scenario(n_changes: int, seed: int) -> tuple[list[Cell], list[list[dict]], JointExplanation]:
    rng = random.Random(100 * n_changes + seed)
    cur = world(rng)
    cand, truth = plant(rng, cur, n_changes)
    rows = cells_of(cur, cand)
    return rows, truth, joint_explanation(rows, max_segments=5)


@pytest.mark.parametrize("n_changes", [2, 3])
@pytest.mark.parametrize("seed", range(8))
def test_every_planted_change_is_found_in_the_top_five(n_changes: int, seed: int) -> None:
    rows, truth, result = scenario(n_changes, seed)
    assert_additive(result, rows)
    segments = named(result)
    missed = [sigs for sigs in truth if not found(segments, sigs)]
    assert not missed, f"missed {missed}; reported {segments}"


def test_with_four_or_five_changes_at_least_nine_in_ten_are_found() -> None:
    """Known limit: a move between two brands is often named by both ends (two segments), and several
    changes stacked in one region can be absorbed by the region; so with 4-5 changes in 5 segments a few
    are missed (benchmarks/joint_explanation.py measures the rate at scale)."""
    hits = total = 0
    for n_changes in (4, 5):
        for seed in range(8):
            rows, truth, result = scenario(n_changes, seed)
            assert_additive(result, rows)
            segments = named(result)
            hits += sum(found(segments, sigs) for sigs in truth)
            total += len(truth)
    assert hits / total >= 0.9, f"{hits}/{total}"


def test_a_source_lost_in_one_region_is_named_as_the_pair_not_the_region() -> None:
    rng = random.Random(11)
    cur = world(rng)
    cand = {k: v * (0.7 if k[0] == "sdk_b" and k[1] == "W" else 1.0) for k, v in cur.items()}
    result = joint_explanation(cells_of(cur, cand))
    assert named(result) == [{"source": "sdk_b", "region": "W"}]
    assert result.unexplained == pytest.approx(0.0, abs=1e-6)


def test_a_region_scaled_is_named_as_the_region_not_its_pairs() -> None:
    rng = random.Random(12)
    cur = world(rng)
    cand = {k: v * (1.1 if k[1] == "SE" else 1.0) for k, v in cur.items()}
    result = joint_explanation(cells_of(cur, cand))
    assert named(result) == [{"region": "SE"}]
    assert result.segments[0].share_of_movement == pytest.approx(1.0)


# ------------------------------------------------------------------------------ degenerate inputs


def test_no_cells() -> None:
    result = joint_explanation([])
    assert result.segments == () and result.unexplained == 0.0 and result.total_delta == 0.0
    assert result.to_json() == {"method": METHOD, "segments": [], "unexplained": 0.0}


def test_zero_movement() -> None:
    rows = cells_of(world(random.Random(1)), world(random.Random(1)))
    result = joint_explanation(rows)
    assert result.segments == () and result.unexplained == 0.0 and result.total_movement == 0.0


def test_one_cell_is_unexplained_since_no_segment_is_narrower_than_the_scope() -> None:
    row = {"source": "sdk_a", "region": "W", "category": "cat0", "brand": "b", "segment": "commuters",
           "visits_current": 100.0, "visits_candidate": 80.0}
    result = joint_explanation([row])
    assert result.segments == ()
    assert result.unexplained == -20.0 and result.total_delta == -20.0


def test_cells_with_the_same_key_are_summed_and_input_order_does_not_matter() -> None:
    rng = random.Random(5)
    cur = world(rng)
    cand, _ = plant(rng, cur, 3)
    rows = cells_of(cur, cand)
    a = joint_explanation(rows).to_json()
    shuffled = list(rows)
    random.Random(9).shuffle(shuffled)
    halves = [dict(r, visits_current=r["visits_current"] / 2, visits_candidate=r["visits_candidate"] / 2)
              for r in shuffled for _ in range(2)]
    b = joint_explanation(halves).to_json()
    assert [(s["dimensions"], s["values"]) for s in a["segments"]] == [
        (s["dimensions"], s["values"]) for s in b["segments"]]
    for x, y in zip(a["segments"], b["segments"], strict=True):
        assert x["delta"] == pytest.approx(y["delta"], rel=1e-9)


def test_negative_or_missing_visits_are_refused_or_zero() -> None:
    with pytest.raises(ValueError):
        joint_explanation([{"source": "a", "visits_current": -1.0, "visits_candidate": 0.0}])
    with pytest.raises(ValueError):
        joint_explanation([{"source": "a", "visits_current": float("nan"), "visits_candidate": 0.0}])
    result = joint_explanation([{"source": "a", "visits_candidate": 5.0}, {"source": "b", "visits_current": 5.0}],
                               dimensions=("source",))
    assert result.total_delta == 0.0
    assert result.explained + result.unexplained == 0.0


def test_to_json_has_exactly_the_documented_shape() -> None:
    rng = random.Random(2)
    cur = world(rng)
    cand, _ = plant(rng, cur, 2)
    doc = joint_explanation(cells_of(cur, cand)).to_json()
    assert set(doc) == {"method", "segments", "unexplained"} and doc["method"] == METHOD
    assert doc["segments"]
    for s in doc["segments"]:
        assert set(s) == {"dimensions", "values", "delta", "share_of_movement"}
        assert isinstance(s["dimensions"], list) and len(s["dimensions"]) == len(s["values"])
    json.dumps(doc)
