"""Causes in plain words (README "Causes in plain words"): what stands out, not what is largest; the component
and the manifest's words for it first, places by name, units in words; on the sample, the key customer whose
level rose ~15 % is explained by the places database and its new stores, not by its largest feed."""

from __future__ import annotations

from typing import Any

import pytest

from dashboard.acceptance.results import Cause, scope_causes_text
from dashboard.acceptance.service import run_gate
from dashboard.attribution import plain
from dashboard.attribution.joint import JointSegment
from dashboard.paths import default_stakeholders
from dashboard.stakeholders import load_stakeholders
from dashboard.store.catalog import Store

DESCRIPTION = ("sdk_beta feed v4, November POI database (parking-inclusive grocery polygons, openings, closings, "
               "re-keys, category recalibration), gaussian attribution, state scaling v2 (new population base), "
               "stop detection rebuilt with unchanged parameters")


def src(name: str, current: float, change_pct: float) -> dict[str, Any]:
    return {"source": name, "current": current, "candidate": current * (1 + change_pct / 100)}


def test_the_largest_feed_does_not_stand_out_when_every_source_moved_alike() -> None:
    """Every source rose 12–22 %: the one holding half the visits takes half the movement, and says nothing."""
    check = plain.standout_sources([src("sdk_beta", 940_000, 13.7), src("bidstream_x", 550_000, 15.0),
                                    src("sdk_alpha", 236_000, 22.1), src("telco_y", 181_000, 15.6)])
    assert check.standouts == () and check.typical_pct == pytest.approx(15.3)


def test_a_source_that_moved_against_the_others_stands_out() -> None:
    check = plain.standout_sources([src("sdk_beta", 5_000, -20.0), src("bidstream_x", 3_000, 2.0),
                                    src("sdk_alpha", 1_200, 1.0), src("telco_y", 900, 3.0)])
    assert [s.source for s in check.standouts] == ["sdk_beta"]
    move = check.standouts[0]
    assert move.change_pct == pytest.approx(-20.0) and move.typical_pct == pytest.approx(1.5)  # median of 4
    assert move.excess == pytest.approx(-1000 - 5000 * 0.015)
    assert move.text.startswith("source sdk_beta -20.0 % against +1.5 % typical")


def test_a_small_source_far_off_is_not_named_and_a_new_source_is() -> None:
    """Far from the typical change but a tiny part of the movement: not named. New and large: named."""
    small = plain.standout_sources([src("a", 10_000, 10.0), src("b", 10_000, 10.0), src("tiny", 50, 80.0)])
    assert small.standouts == ()
    new = plain.standout_sources([src("a", 10_000, 1.0), src("b", 10_000, 1.0),
                                  {"source": "telco_y", "current": 0.0, "candidate": 2_000.0}])
    assert [(s.source, s.change_pct) for s in new.standouts] == [("telco_y", None)]
    assert plain.standout_sources([src("only", 100, 50.0)]).typical_pct is None  # one source: nothing to compare


@pytest.mark.parametrize(("component", "version", "clause"), [
    ("poi_db", "2026-11", "November POI database (parking-inclusive grocery polygons, openings, closings, "
                          "re-keys, category recalibration)"),
    ("source_ingest", "v4", "sdk_beta feed v4"),
    ("attribution", "gauss_poi", "gaussian attribution"),
    ("normalization", "state_scaling-v2", "state scaling v2 (new population base)"),
    ("stop_detection", "200m-4min-r2", "stop detection rebuilt with unchanged parameters"),
    ("geocoder", "g7", None),
])
def test_each_component_gets_its_clause_of_the_release_description(component: str, version: str,
                                                                   clause: str | None) -> None:
    assert plain.component_clause(DESCRIPTION, component, version) == clause


def test_units_in_words() -> None:
    assert plain.metric_change_text("level_change_pct", 18.18) == "+18.2 points of level change"
    assert plain.metric_change_text("places_dropped", 1.0) == "+1 place dropped"
    assert plain.metric_change_text("places_dropped", 3.0) == "+3 places dropped"
    assert plain.metric_change_text("rank_corr", -0.1534) == "-0.15 in place ranking correlation"
    assert plain.metric_change_text("delta", 129458.0) == "+129,458 visits"


def test_places_are_classified_new_removed_rekeyed_and_relabelled() -> None:
    def row(pid: str, status: str, visits: float, name: str, **kw: Any) -> dict[str, Any]:
        return {"place_id": pid, "status": status, "visits": visits, "name": name, "brand": "B", "region": "W",
                "in_current": status == "dropped", "in_candidate": status == "added", **kw}
    moves = plain.changed_places([
        row("n1", "added", 100.0, "New Store"),
        row("old", "dropped", 50.0, "Same Store"), row("new", "added", 55.0, "Same Store"),
        row("gone", "dropped", 30.0, "Closed Store"),
        row("r1", "added", 20.0, "Relabelled In", in_current=True, category_current="Cafés"),
        row("r2", "dropped", 10.0, "Relabelled Out", in_candidate=True, category_candidate="Bars"),
    ])
    assert [(m.kind, m.name, m.delta) for m in moves] == [
        ("new", "New Store", 100.0), ("removed", "Closed Store", -30.0), ("rekeyed", "Same Store", 5.0),
        ("moved_in", "Relabelled In", 20.0), ("moved_out", "Relabelled Out", -10.0)]
    text = "; ".join(plain.places_text(moves))
    assert text.startswith("new places: New Store (+100 visits); places no longer listed: Closed Store (-30 visits)")
    assert "Relabelled Out (-10 visits, to Bars)" in text


def test_the_sentence_leads_with_the_component_then_places_segments_sources() -> None:
    comp = plain.component_moves({"poi_db": 18.2, "attribution": -1.0, "normalization": 0.5}, 0.1,
                                 "level_change_pct", "paired", {"poi_db": "2026-10"}, {"poi_db": "2026-11"},
                                 DESCRIPTION)
    assert [c.component for c in comp] == ["poi_db"]  # the others are too small a share to name
    seg = JointSegment(("region", "brand"), ("W", "FreshCo"), 153_719.0, 0.5, 4)
    e = plain.explanation("customer:freshco", sources=[src("a", 100, 15.0), src("b", 100, 16.0)],
                          place_rows=[{"place_id": "p", "status": "added", "visits": 101_262.0,
                                       "name": "FreshCo Bayview #1", "in_current": False}],
                          segments=[seg], components=comp, onset="diverges from 2026-06-10 (candidate higher)")
    assert e.text == (
        "poi_db changed 2026-10 → 2026-11 (November POI database (parking-inclusive grocery polygons, openings, "
        "closings, re-keys, category recalibration)): +18.2 points of level change; "
        "new places: FreshCo Bayview #1 (+101,262 visits); "
        "explained by FreshCo in W (+153,719 visits, 50 % of the movement); "
        "no source stands out (typical source change +15.5 %); diverges from 2026-06-10 (candidate higher)")
    assert e.to_json()["text"] == e.text and e.to_json()["components"][0]["description"].startswith("November")
    # A scorecard row: each failing metric's component once, the shared parts once.
    other = plain.explanation("customer:freshco", components=plain.component_moves(
        {"poi_db": 3.5}, 0.0, "max_share_shift_pp", "paired", {}, {}, ""))
    row = scope_causes_text([Cause(1.0, explanation=e), Cause(1.0, explanation=other)])
    assert row.count("poi_db changed") == 2 and row.count("FreshCo Bayview #1") == 1
    assert "+3.5 points of brand share shift" in row


# ------------------------------------------------------------------------------------------ the sample
@pytest.fixture(scope="module")
def sample_gate(sample_store: Store) -> Any:
    current, candidate = sample_store.pair(None, None)
    return run_gate(sample_store, current, candidate, load_stakeholders(default_stakeholders()), record=False)


def test_the_key_customer_is_explained_by_the_places_database_and_its_new_stores(sample_gate: Any,
                                                                               sample_store: Store) -> None:
    level = next(r for r in sample_gate.results if r.scope == "customer:freshco" and r.metric == "level_change_pct")
    assert level.status in ("fail", "warn") and 13 < level.value < 17  # the level rose ~15 %
    text = level.cause.summary
    assert text.startswith("poi_db changed ")
    described = plain.component_clause(sample_store.release(sample_gate.candidate).description, "poi_db")
    assert described and described in text.split(";")[0]
    assert "points of level change" in text.split(";")[0]
    places = text.split(";")[1]
    assert places.startswith(" new places: ") and "FreshCo Bayview #1" in places  # opened, newly matched
    assert not text.startswith("source") and "source sdk_beta" not in text  # the largest feed moved like the rest
    assert level.cause.source == "sdk_beta"  # it is the largest move all the same, kept as data
    # The same words in the gate JSON and the scorecard.
    assert level.to_json()["cause"]["summary"] == text
    from dashboard.acceptance.review import scorecard
    row = next(r for r in scorecard(sample_gate) if r.scope == "customer:freshco")
    assert row.causes.startswith("poi_db changed ") and "FreshCo Bayview #1" in row.causes


def test_the_trial_deal_names_the_source_that_lost_devices(sample_gate: Any) -> None:
    trial = next(r for r in sample_gate.results if r.scope == "deal:pacific-fitness-trial" and r.cause)
    text = trial.cause.summary
    assert text.startswith("source_ingest changed v3 → v4 (sdk_beta feed v4)")
    assert "source sdk_beta -11.5 % against" in text and "diverges from 2026-06-11 (candidate lower)" in text
