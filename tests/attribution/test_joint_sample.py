"""The joint explanation on the simulated sample (issue 15): it sums to every scope's delta, and it names the
changes the simulator injected among the top 5 segments of the scopes they touch."""

from __future__ import annotations

import math
from typing import Any

import pytest

from dashboard.attribution import core as at
from dashboard.engine import metrics
from dashboard.engine.scopes import resolve_scope, stakeholder_scopes
from dashboard.engine.session import PairSession
from dashboard.paths import sample_data_dir
from dashboard.stakeholders import load_stakeholders
from dashboard.store.catalog import Store

STAKEHOLDERS = sample_data_dir() / "stakeholders.toml"
TOP = 5


def pair(gt: dict[str, Any]) -> tuple[str, str]:
    return gt["pair"]["current"], gt["pair"]["candidate"]


def change(gt: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(c for c in gt["changes"] if c["kind"] == kind)


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def test_contributions_and_remainder_sum_to_the_delta_of_every_stakeholder_scope(
    sample_store: Store, ground_truth: dict[str, Any]
) -> None:
    """Every customer and deal of the sample's stakeholders file, plus the simple scopes: one session, the same
    ``joint_of`` that ``attribute()`` calls, checked against the delta the comparison reports."""
    sh = load_stakeholders(STAKEHOLDERS)
    defs = [*stakeholder_scopes("customer", sh), *stakeholder_scopes("deal", sh)]
    defs += [resolve_scope(s, None) for s in ("all", "region:W", "source:sdk_beta", "segment:visitors")]
    assert len(defs) > 6
    with PairSession(sample_store, *pair(ground_truth)) as s:
        s.prepare(defs)
        deltas = {m.scope.scope_id: float(m.values["visits_candidate"]) - float(m.values["visits_current"])
                  for m in metrics.compute(s)}
        moved = 0
        for d in defs:
            j = at.joint_of(s, d)
            total = math.fsum([*(x.delta for x in j.segments), j.unexplained])
            assert close(total, deltas[d.scope_id]), d.scope_id
            assert close(j.total_delta, deltas[d.scope_id]), d.scope_id
            moved += bool(j.segments)
    assert moved >= len(defs) // 2  # the check is not vacuous: most scopes have segments


def test_attribute_reports_the_joint_explanation_beside_adtributor(
    sample_store: Store, ground_truth: dict[str, Any]
) -> None:
    a = at.attribute(sample_store, *pair(ground_truth), "deal:pacific-fitness-trial", stakeholders=STAKEHOLDERS)
    out = a.to_json()
    j = out["joint_explanation"]
    assert set(j) == {"method", "segments", "unexplained"} and j["segments"]
    assert set(j["segments"][0]) == {"dimensions", "values", "delta", "share_of_movement"}
    assert close(math.fsum([*(x["delta"] for x in j["segments"]), j["unexplained"]]), out["total_delta"])
    # the Adtributor fields are still there, as they were
    assert {"root_causes", "unexplained", "root_cause_method"} <= set(out)


def found(segments: list[at.JointSegment], signature: dict[str, str]) -> bool:
    """A segment names the change when it fixes exactly its signature, or a pair that contains it."""
    for s in segments[:TOP]:
        fixed = dict(zip(s.dimensions, s.values, strict=True))
        if all(fixed.get(k) == v for k, v in signature.items()):  # fixed holds at most two dimensions
            return True
    return False


def expectations(gt: dict[str, Any]) -> list[tuple[str, str, dict[str, str]]]:
    """(change id, scope, signature that must be among the top 5 segments there).

    Chosen where a reader would expect the change to show, and why:
    - C1, sdk_beta loses 20 % of its devices in W: in ``all`` it is the pair (source, region); inside the region
      it is the source alone, inside the source the region alone.
    - C2, new polygons lift FreshCo and ValueMart (+8-15 %): each brand in ``all`` and in their category.
    - C6, DailyGrind relabelled between two categories: one segment brand=DailyGrind, in ``all`` and in both
      categories it moves between (the visits leave one and enter the other).
    - C8, normalisation: SE +5 % is the biggest part of it and shows in ``all``; MW -4 % overlaps the device loss
      and the relabel in its region, and the segment weights are spread over every cell: not asserted.
    Not asserted: C3/C4/C5 (places opened, closed, re-keyed: place-level, no dimension value names them),
    C7 (a redistribution between neighbouring places, small net), C9 (the negative control moves nothing).
    """
    loss = change(gt, "source_device_loss")
    polygons = change(gt, "new_polygons")
    relabel = change(gt, "category_relabel")
    norm = change(gt, "normalization_base")
    src, reg = loss["source"], loss["region"]
    out: list[tuple[str, str, dict[str, str]]] = [
        (loss["id"], "all", {"source": src, "region": reg}),
        (loss["id"], f"region:{reg}", {"source": src}),
        (loss["id"], f"source:{src}", {"region": reg}),
    ]
    for brand in polygons["brands"]:
        for scope in ("all", *(f"category:{c}" for c in polygons["categories"])):
            out.append((polygons["id"], scope, {"brand": brand}))
    for scope in ("all", f"category:{relabel['from_category']}", f"category:{relabel['to_category']}"):
        out.append((relabel["id"], scope, {"brand": relabel["brand"]}))
    up = max(norm["region_scale"], key=lambda r: abs(norm["region_scale"][r] - 1.0))
    out.append((norm["id"], "all", {"region": up}))
    return out


@pytest.fixture(scope="module")
def explained(sample_store: Store, ground_truth: dict[str, Any]) -> dict[str, at.JointExplanation]:
    scopes = sorted({scope for _, scope, _ in expectations(ground_truth)})
    defs = [resolve_scope(s, None) for s in scopes]
    with PairSession(sample_store, *pair(ground_truth)) as s:
        s.prepare(defs)
        return {sc: at.joint_of(s, d) for sc, d in zip(scopes, defs, strict=True)}


def test_every_injected_change_is_among_the_top_segments_of_the_scopes_it_touches(
    ground_truth: dict[str, Any], explained: dict[str, at.JointExplanation]
) -> None:
    cases = expectations(ground_truth)
    assert {c for c, _, _ in cases} == {"C1", "C2", "C6", "C8"}
    missed = [(cid, scope, sig, [x.label for x in explained[scope].segments])
              for cid, scope, sig in cases if not found(list(explained[scope].segments), sig)]
    assert not missed


def test_a_segment_that_does_not_name_the_change_is_not_counted() -> None:
    """The matching rule of the test above, on its own: a broader segment does not count."""
    seg = at.JointSegment(("source",), ("sdk_beta",), -1.0, 0.5, 3)
    pair_seg = at.JointSegment(("source", "region"), ("sdk_beta", "W"), -1.0, 0.5, 3)
    assert not found([seg], {"source": "sdk_beta", "region": "W"})
    assert found([pair_seg], {"source": "sdk_beta", "region": "W"})
    assert found([pair_seg], {"region": "W"})
    assert not found([pair_seg], {"region": "MW"})
