"""Attribution (DESIGN section 6) on tiny inline releases: every split sums to the delta, by source and effect
by hand, mix/rate, the JSON shape and the CLI.

Adtributor: test_adtributor.py; Shapley over ablation runs: test_shapley.py; the simulated sample:
test_attribution_sample.py; the split by source over every scope kind: test_source_split.py.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from attribution.attribution_support import (
    STAKEHOLDERS,
    close,
    fault_world,
    ingest,
)
from click.testing import CliRunner

from dashboard.attribution import core as at
from dashboard.cli import main
from dashboard.store.catalog import Store

# ------------------------------------------------------------------------------ sums hold

CHURN_SCOPES = ["all", "region:W", "region:E", "category:Cafes", "category:Restaurants", "brand:FreshCo",
                "brand:(independent)", "source:sdk_a", "source:sdk_c", "segment:residents", "customer:freshco",
                "deal:cafe-deal", "place:p6", "place:p7"]


@pytest.mark.parametrize("scope", CHURN_SCOPES)
def test_every_split_sums_to_the_scope_delta(churn: tuple[Store, dict[str, Any]], scope: str) -> None:
    store, _ = churn
    a = at.attribute(store, "cur", "cand", scope, stakeholders=STAKEHOLDERS)
    total = a.total_delta
    assert close(sum(r.delta for r in a.by_source.rows), total)
    e = a.by_effect
    # The terms add up as they are: dropped places count negative.
    assert close(e.added_places_delta + e.dropped_places_delta + e.common_places_delta, total)
    assert close(e.total, total) and e.dropped_places_delta <= 0.0 <= e.added_places_delta
    j = a.to_json()
    eff = j["by_effect"]
    assert close(eff["added_places_delta"] + eff["dropped_places_delta"] + eff["common_places_delta"],
                 j["total_delta"])
    assert close(sum(c["value"] for c in j["by_component"]["contributions"]) + j["by_component"]["interaction"],
                 total)
    m = a.mix_rate
    assert close(m.rate_part + m.mix_part, m.change)
    assert close(sum(b.rate_part + b.mix_part for b in m.brands), m.change)
    # The root-cause cube holds the same total as the metrics.
    rc = a.root_causes
    assert close(rc.visits_candidate - rc.visits_current, total)
    for dims, table in rc.tables.items():
        assert close(sum(el.delta for el in table), total), dims
        if any(el.delta for el in table):
            assert close(sum(el.abs_explanatory_power for el in table), 1.0)
        if not rc.ep_guarded:
            assert close(sum(el.explanatory_power or 0.0 for el in table), 1.0), dims
    matrix = at.region_source_matrix(store, "cur", "cand", scope, stakeholders=STAKEHOLDERS)
    assert close(sum(c.delta for c in matrix), total)
    # The joint explanation's cells carry places added, dropped, relabelled and re-branded: exact too.
    jx = j["joint_explanation"]
    assert close(math.fsum([*(x["delta"] for x in jx["segments"]), jx["unexplained"]]), total)
    json.dumps(j, allow_nan=False)


def test_by_source_and_effect_by_hand(churn: tuple[Store, dict[str, Any]]) -> None:
    """The common window is 01-02..01-04; p6 is dropped, p7 added, sdk_c only in the candidate."""
    store, w = churn

    def total(rows: list[dict[str, Any]], **where: Any) -> float:
        return sum(r["visits"] for r in rows if "2026-01-02" <= r["date"] <= "2026-01-04"
                   and all(r[k] == v for k, v in where.items()))

    src = {r.source: r for r in at.by_source(store, "cur", "cand").rows}
    assert set(src) == {"sdk_a", "sdk_b", "sdk_c"}
    for s in src:
        assert close(src[s].visits_current, total(w["cur"], source=s))
        assert close(src[s].visits_candidate, total(w["cand"], source=s))
    assert src["sdk_c"].visits_current == 0.0
    eff = at.by_effect(store, "cur", "cand")
    assert (eff.places_added, eff.places_dropped, eff.places_common) == (1, 1, 5)
    assert close(eff.added_places_delta, total(w["cand"], place_id="p7"))
    assert close(eff.dropped_places_delta, -total(w["cur"], place_id="p6"))
    # The relabelled cafe leaves the Cafes scope and enters Restaurants: dropped there, added here.
    cafes = at.by_effect(store, "cur", "cand", "category:Cafes")
    assert cafes.places_dropped == 1 and close(cafes.dropped_places_delta, -total(w["cur"], place_id="p3"))
    rest = at.by_effect(store, "cur", "cand", "category:Restaurants")
    assert rest.places_added == 1 and rest.dropped_places_delta == 0.0


def test_identical_releases_attribute_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    places, cur, _ = fault_world()
    ingest(store, tmp_path, "r1", cur, places)
    ingest(store, tmp_path, "r2", cur, places)
    a = at.attribute(store, "r1", "r2")
    assert a.total_delta == 0.0
    assert all(r.delta == 0.0 for r in a.by_source.rows)
    e = a.by_effect
    assert (e.added_places_delta, e.dropped_places_delta, e.common_places_delta) == (0.0, 0.0, 0.0)
    assert a.root_causes.sets == [] and not a.root_causes.unexplained and a.root_causes.ep_guarded
    assert a.by_component.method == "none" and a.by_component.interaction == 0.0
    assert a.mix_rate.rate_part == 0.0 and a.mix_rate.mix_part == 0.0


def test_uniform_scaling_localises_nowhere(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    places, cur, _ = fault_world()
    ingest(store, tmp_path, "r1", cur, places)
    ingest(store, tmp_path, "r2", [{**r, "visits": r["visits"] * 1.1} for r in cur], places)
    a = at.attribute(store, "r1", "r2")
    assert close(a.total_delta, 0.1 * a.visits_current)
    for r in a.by_source.rows:
        assert close(r.delta, 0.1 * r.visits_current)
    assert a.root_causes.sets == [] and a.root_causes.unexplained
    assert abs(a.mix_rate.mix_part) < 1e-9 and close(a.mix_rate.rate_part, a.mix_rate.change)


def test_session_helpers_keep_scopes_prepared_before(fault_store: Store) -> None:
    """The gate prepares many scopes on one session; attributing one of them or another keeps the rest."""
    from dashboard.engine.scopes import simple_scope
    from dashboard.engine.session import PairSession

    with PairSession(fault_store, "cur", "cand") as s:
        s.prepare([simple_scope("all"), simple_scope("region", "W")])
        cube = at.dimension_cube(s, simple_scope("region", "E"))
        assert {d.scope_id for d in s.defs} == {"all", "region:W", "region:E"}
        assert cube.visits_candidate == cube.visits_current
        w = at.dimension_cube(s, simple_scope("region", "W"))
        assert w.elements("source")[("sdk_b",)][1] == 0.5 * w.elements("source")[("sdk_b",)][0]




# ------------------------------------------------------------------------------ mix and rate


def test_kitagawa_parts_sum_and_pure_cases() -> None:
    rows = [
        {"brand": "A", "places_current": 4, "visits_current": 400.0, "places_candidate": 5, "visits_candidate": 450.0},
        {"brand": "B", "places_current": 6, "visits_current": 120.0, "places_candidate": 5, "visits_candidate": 150.0},
        {"brand": "C", "places_current": 0, "visits_current": 0.0, "places_candidate": 2, "visits_candidate": 90.0},
        {"brand": "D", "places_current": 3, "visits_current": 60.0, "places_candidate": 0, "visits_candidate": 0.0},
    ]
    m = at.kitagawa(rows)
    assert close(m.value_current, 580.0 / 13) and close(m.value_candidate, 690.0 / 12)
    assert close(m.rate_part + m.mix_part, m.change)
    by = {b.brand: b for b in m.brands}
    assert by["C"].rate_part == 0.0 and by["D"].rate_part == 0.0  # entry and exit are all mix
    # Pure mix: every brand keeps its visits per place, only the weights move.
    mix = at.kitagawa([
        {"brand": "A", "places_current": 2, "visits_current": 200.0, "places_candidate": 6, "visits_candidate": 600.0},
        {"brand": "B", "places_current": 8, "visits_current": 80.0, "places_candidate": 4, "visits_candidate": 40.0},
    ])
    assert abs(mix.rate_part) < 1e-12 and close(mix.mix_part, mix.change) and mix.change != 0
    # Pure rate: same places, visits per place move.
    rate = at.kitagawa([
        {"brand": "A", "places_current": 2, "visits_current": 200.0, "places_candidate": 2, "visits_candidate": 260.0},
        {"brand": "B", "places_current": 8, "visits_current": 80.0, "places_candidate": 8, "visits_candidate": 40.0},
    ])
    assert abs(rate.mix_part) < 1e-12 and close(rate.rate_part, rate.change)


def test_mix_rate_of_a_scope_is_visits_per_place(churn: tuple[Store, dict[str, Any]]) -> None:
    store, _ = churn
    a = at.attribute(store, "cur", "cand", "all")
    places_cur = a.by_effect.places_common + a.by_effect.places_dropped
    places_cand = a.by_effect.places_common + a.by_effect.places_added
    assert close(a.mix_rate.value_current, a.visits_current / places_cur)
    assert close(a.mix_rate.value_candidate, a.visits_candidate / places_cand)
    assert close(a.mix_rate.rate_part + a.mix_rate.mix_part, a.mix_rate.change)
    assert {b.brand for b in a.mix_rate.brands} == {"FreshCo", "ValueMart", "DailyGrind", "(independent)"}


# ------------------------------------------------------------------------------ JSON and CLI


def test_json_shape(fault_store: Store) -> None:
    j = at.attribute(fault_store, "cur", "cand").to_json()
    for key in ("scope", "total_delta", "by_source", "by_effect", "root_causes", "unexplained", "by_component",
                "mix_rate"):
        assert key in j
    assert set(j["by_source"][0]) == {"source", "visits_current", "visits_candidate", "delta"}
    assert {"added_places_delta", "dropped_places_delta", "common_places_delta", "sign_convention",
            "places_added", "places_dropped", "places_common"} <= set(j["by_effect"])
    assert set(j["root_causes"][0]) >= {"dimensions", "values", "explanatory_power", "abs_explanatory_power",
                                        "surprise"}
    assert j["by_component"]["method"] in at.METHODS
    assert {"method", "metric", "runs", "contributions", "interaction"} <= set(j["by_component"])
    assert j["total_delta"] < 0 and math.isfinite(j["total_delta"])


def test_cli_attribute(fault_store: Store) -> None:
    runner = CliRunner()
    res = runner.invoke(main, ["attribute", "--home", str(fault_store.home), "--format", "json"])
    assert res.exit_code == 0, res.output
    j = json.loads(res.output)
    assert j["scope"] == "all" and j["current"] == "cur" and j["candidate"] == "cand"
    assert j["root_causes"][0]["values"] == ["sdk_b", "W"]
    # the joint explanation beside Adtributor: the halved cell, as one pair of values, and nothing left over
    first = j["joint_explanation"]["segments"][0]
    assert (first["dimensions"], first["values"]) == (["source", "region"], ["sdk_b", "W"])
    assert math.isclose(first["delta"], j["total_delta"], rel_tol=1e-9)
    text = runner.invoke(main, ["attribute", "--home", str(fault_store.home)]).output
    assert "Joint explanation" in text and "source=sdk_b ∧ region=W" in text and "(unexplained)" in text
    res = runner.invoke(main, ["attribute", "--home", str(fault_store.home), "--scope", "region:W",
                               "--metric", "level_change_pct"])
    assert res.exit_code == 0, res.output
    assert "By source" in res.output and "sdk_b" in res.output and "method exact_shapley" in res.output
    res = runner.invoke(main, ["attribute", "--home", str(fault_store.home), "--metric", "nope"])
    assert res.exit_code == 2 and "unknown metric" in res.output
    res = runner.invoke(main, ["attribute", "--home", str(fault_store.home), "--scope", "bogus"])
    assert res.exit_code == 2
    res = runner.invoke(main, ["attribute", "--help"])
    assert res.exit_code == 0 and "--stakeholders" in res.output
