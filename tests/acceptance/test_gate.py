"""The release gate (DESIGN section 7) on the tiny world of gate_world.py: statuses, scopes, waivers, JSON."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import pandas as pd
import pytest
from gate_world import (
    EXPECTED,
    FRESHCO_LEVEL,
    FRESHCO_SHARE_SHIFT,
    KEY_LEVEL,
    SHARES,
    STAKEHOLDERS_TOML,
    stakeholders,
    statuses,
)

from dashboard.acceptance.history import gate_history
from dashboard.acceptance.service import run_gate, sign_off
from dashboard.engine.metrics import compare
from dashboard.engine.scopes import customer_scope, deal_scope, simple_scope
from dashboard.engine.session import PairSession
from dashboard.errors import RelcheckError
from dashboard.store.catalog import Store


@pytest.fixture
def store(gate_store: Store) -> Store:
    return gate_store


# ----------------------------------------------------------------------------------------------- statuses


def test_every_status_on_tiny_releases(store: Store) -> None:
    g = run_gate(store, "r1", "r2", stakeholders(), record=False)
    assert statuses(g) == EXPECTED
    assert g.verdict == "fail"
    assert g.counts == {"pass": 9, "fail": 3, "warn": 3, "waived": 0, "no_data": 1}
    r = g.result(KEY_LEVEL, "customer:freshco")
    assert r is not None and r.value == pytest.approx(FRESHCO_LEVEL)
    assert r.op == "between" and r.threshold == [-5.0, 5.0] and r.severity == "block"
    shares = g.result(SHARES, "customer:freshco")
    assert shares is not None and shares.value == pytest.approx(FRESHCO_SHARE_SHIFT)


def test_no_data_is_never_a_pass(store: Store) -> None:
    """A warn criterion without data is no_data; a block criterion without data fails, with a note."""
    g = run_gate(store, "r1", "r2", stakeholders(), record=False, attribute=False)
    for r in g.results:
        missing = r.value is None or (isinstance(r.value, float) and math.isnan(r.value))
        want = ("fail" if r.severity == "block" else "no_data") if missing else r.status
        assert r.status == want and (r.note is not None) == missing, r
    assert any(r.value is None and r.status == "fail" for r in g.results)


def test_where_filters_the_stakeholders(store: Store) -> None:
    g = run_gate(store, "r1", "r2", stakeholders(), record=False, attribute=False)
    key_scopes = {r.scope for r in g.results if r.criterion == KEY_LEVEL}
    assert key_scopes == {"customer:freshco", "customer:beanthere"}
    trial_scopes = {r.scope for r in g.results if r.criterion == "trial deals steady"}
    assert trial_scopes == {"deal:gym-trial"}
    # A where on a category's name picks that category only.
    text = STAKEHOLDERS_TOML.replace(
        'applies_to = "categories"', 'applies_to = "categories"\nwhere = { name = ["Coffee", "Cafes"] }'
    )
    g2 = run_gate(store, "r1", "r2", stakeholders(text), record=False, attribute=False)
    assert {r.scope for r in g2.results if r.criterion == "categories keep their level"} == {
        "category:Coffee", "category:Cafes"
    }


def test_categories_and_regions_present_in_either_release(store: Store) -> None:
    g = run_gate(store, "r1", "r2", stakeholders(), record=False, attribute=False)
    in_either = {
        kind: sorted(set(pd.read_parquet(store.release("r1").places_path)[kind])
                     | set(pd.read_parquet(store.release("r2").places_path)[kind]))
        for kind in ("category", "region")
    }
    assert in_either["category"] == ["Cafes", "Coffee", "Fitness", "Grocery Stores"]
    assert in_either["region"] == ["MW", "NE", "S", "SE", "W"]
    judged = {kind: sorted(r.scope.partition(":")[2] for r in g.results if r.scope_kind == kind)
              for kind in ("category", "region")}
    assert judged == in_either


def test_independent_evaluation_agrees_with_the_gate(store: Store) -> None:
    """Recompute every status from compare()'s metric values and the raw thresholds in the file."""
    sh = stakeholders()
    g = run_gate(store, "r1", "r2", sh, record=False, attribute=False)
    defs = [customer_scope(c) for c in sh.customers] + [deal_scope(d) for d in sh.deals]
    defs += [simple_scope("category", v) for v in ("Cafes", "Coffee", "Fitness", "Grocery Stores")]
    defs += [simple_scope("region", v) for v in ("MW", "NE", "S", "SE", "W")] + [simple_scope("all")]
    with PairSession(store, "r1", "r2") as session:
        values = {s.scope.scope_id: s.values for s in compare(session, defs).scopes}
    raw = __import__("tomllib").loads(STAKEHOLDERS_TOML)["criteria"]
    by_name = {c["name"]: c for c in raw}
    for r in g.results:
        crit = by_name[r.criterion]
        v = values[r.scope][crit["metric"]]
        if v is None or (isinstance(v, float) and math.isnan(v)):
            want = "fail" if crit["severity"] == "block" else "no_data"
        elif ("min" in crit and v < crit["min"]) or ("max" in crit and v > crit["max"]):
            want = "fail" if crit["severity"] == "block" else "warn"
        else:
            want = "pass"
        assert r.status == want, (r.criterion, r.scope, v)
        assert r.value == v or (r.value is None and v is None)


def test_metrics_for_all_scopes_in_one_session(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    prepared: list[tuple[str, str, list[str]]] = []
    original = PairSession.prepare

    def counting(self: PairSession, defs: Any, by_attribute: str | None = None) -> None:
        prepared.append((self.a.label, self.b.label, [d.scope_id for d in defs]))
        original(self, defs, by_attribute=by_attribute)

    monkeypatch.setattr(PairSession, "prepare", counting)
    g = run_gate(store, "r1", "r2", stakeholders(), record=False, attribute=False)
    assert len(prepared) == 1
    assert prepared[0][:2] == ("r1", "r2") and set(prepared[0][2]) == {r.scope for r in g.results}
    # With causes: still one session for the pair; the component attribution compares each ablation run
    # (and the current release itself, for v(∅)) with the current release once, on the failing scopes only.
    prepared.clear()
    g = run_gate(store, "r1", "r2", stakeholders(), record=False)
    broken = sorted({r.scope for r in g.results if r.status in ("fail", "warn")})
    assert [p[:2] for p in prepared].count(("r1", "r2")) == 1
    others = [p for p in prepared if p[:2] != ("r1", "r2")]
    assert sorted(p[1] for p in others) == ["r1", "r2-abl-attribution", "r2-abl-poi_db"]
    assert all(p[0] == "r1" and sorted(p[2]) == broken for p in others)


def test_identical_releases_pass_everything_that_has_data(store: Store) -> None:
    g = run_gate(store, "r2", "r3", stakeholders(), record=False)
    assert g.verdict == "pass"
    assert g.counts["fail"] == g.counts["warn"] == 0
    assert all(r.cause is None for r in g.results)


# ------------------------------------------------------------------------------------------ json shape


def test_json_shape(store: Store) -> None:
    payload = run_gate(store, "r1", "r2", stakeholders(), record=False).to_json()
    json.dumps(payload, allow_nan=False)
    assert list(payload) == ["current", "candidate", "verdict", "counts", "results"]
    assert payload["current"] == "r1" and payload["candidate"] == "r2" and payload["verdict"] in ("pass", "fail")
    assert set(payload["counts"]) == {"pass", "fail", "warn", "waived", "no_data"}
    assert sum(payload["counts"].values()) == len(payload["results"])
    keys = ["criterion", "scope", "scope_name", "metric", "value", "op", "threshold", "severity", "status",
            "waiver", "cause", "note"]
    for r in payload["results"]:
        assert list(r) == keys
        assert r["op"] in ("min", "max", "between")
        assert r["status"] in payload["counts"]
        assert r["waiver"] is None
        assert (r["cause"] is None) == (r["status"] not in ("fail", "warn"))
    freshco = next(r for r in payload["results"] if r["scope"] == "customer:freshco" and r["criterion"] == KEY_LEVEL)
    assert freshco["scope_name"] == "FreshCo <Inc> & Sons"
    assert freshco["cause"]["source"] == "sdk_a" and "summary" in freshco["cause"]
    grocery = next(r for r in payload["results"] if r["scope"] == "category:Grocery Stores")
    assert grocery["scope_name"] == "Grocery Stores" and grocery["threshold"] == [-5.0, 5.0]
    total = next(r for r in payload["results"] if r["scope"] == "all")
    assert total["op"] == "max" and total["threshold"] == 100.0


def test_waived_result_in_json(store: Store) -> None:
    sh = stakeholders()
    sign_off(store, "r1", "r2", KEY_LEVEL, "customer:freshco", "Ann Lee", "polygon fix, agreed with FreshCo",
             dt.date(2099, 12, 31), stakeholders=sh)
    g = run_gate(store, "r1", "r2", sh, record=False)
    assert g.verdict == "fail"  # regions MW and S have no data for a block criterion: still failing
    for region in ("region:MW", "region:S"):
        sign_off(store, "r1", "r2", "regions stay aligned", region, "Ann Lee", "region retired", None,
                 stakeholders=sh)
    g = run_gate(store, "r1", "r2", sh, record=False)
    assert g.verdict == "pass"
    assert g.counts == {"pass": 9, "fail": 0, "warn": 3, "waived": 3, "no_data": 1}
    r = next(r for r in g.to_json()["results"] if r["scope"] == "customer:freshco" and r["criterion"] == KEY_LEVEL)
    assert r["status"] == "waived"
    assert set(r["waiver"]) == {"by", "reason", "at", "expires"}
    assert r["waiver"]["by"] == "Ann Lee" and r["waiver"]["expires"] == "2099-12-31"
    assert r["cause"]["source"] == "sdk_a"  # the evidence stays beside the waiver


def test_unknown_release_is_an_error(store: Store) -> None:
    with pytest.raises(RelcheckError, match="unknown release 'r9'"):
        run_gate(store, "r1", "r9", stakeholders())
    assert gate_history(store) == []


# ------------------------------------------------------------------------ what the gate cannot check


GHOST = '''
[[customers]]
id = "ghost"
name = "Ghost Brand"
tier = "standard"
brands = ["freshco"]
regions = ["NE"]
'''


def test_a_stakeholder_matching_no_place_in_either_release_is_refused(store: Store) -> None:
    with pytest.raises(RelcheckError) as err:
        run_gate(store, "r1", "r2", stakeholders(GHOST + STAKEHOLDERS_TOML))
    msg = str(err.value)
    assert "customer \"ghost\"" in msg and "field 'brands/competitors'" in msg and '"freshco"' in msg
    assert "did you mean 'FreshCo'" in msg and "r1 -> r2" in msg
    assert gate_history(store) == []  # refused before anything was judged or recorded


def test_place_ids_are_checked_one_by_one_with_a_hint_from_every_place(store: Store) -> None:
    """Only the places a file names are looked up; a misspelt one still gets its hint from all places."""
    typo = ('[[customers]]\nid = "mall"\nname = "Mall"\ntier = "standard"\nbrands = []\n'
            'place_ids = ["p1x", "zz9"]\n')
    with pytest.raises(RelcheckError) as err:
        run_gate(store, "r1", "r2", stakeholders(typo + STAKEHOLDERS_TOML), record=False)
    msg = str(err.value)
    assert "customer \"mall\"" in msg and "field 'place_ids'" in msg and "did you mean 'p1'" in msg
    # One of its places exists: the customer resolves, the gate judges it.
    fine = typo.replace("\"p1x\"", "\"p1\"")
    result = run_gate(store, "r1", "r2", stakeholders(fine + STAKEHOLDERS_TOML), record=False)
    assert "customer:mall" in result.scope_metrics


def test_a_deal_whose_filters_select_nothing_together_is_refused(store: Store) -> None:
    deal = '[[deals]]\nid = "odd"\nprospect = "Odd"\nstage = "trial"\ncategories = ["Coffee"]\nregions = ["W"]\n'
    with pytest.raises(RelcheckError, match=r"deal \"odd\": no place has all of regions \['W'\], categories"):
        run_gate(store, "r1", "r2", stakeholders(deal + STAKEHOLDERS_TOML), record=False)


def test_a_stakeholders_file_without_criteria_is_refused(store: Store) -> None:
    text = STAKEHOLDERS_TOML[: STAKEHOLDERS_TOML.index("[[criteria]]")]
    with pytest.raises(RelcheckError, match="no \\[\\[criteria\\]\\]"):
        run_gate(store, "r1", "r2", stakeholders(text))


def test_a_scope_empty_in_one_release_fails_its_block_criteria(store: Store) -> None:
    # Category Coffee exists in r1 only: a block bound it would pass (-100 % >= -200 %) still fails.
    text = STAKEHOLDERS_TOML + '''
[[criteria]]
name = "categories exist"
applies_to = "categories"
metric = "level_change_pct"
min = -200.0
severity = "block"
'''
    g = run_gate(store, "r1", "r2", stakeholders(text), record=False, attribute=False)
    r = g.result("categories exist", "category:Coffee")
    assert r is not None and r.status == "fail" and "no place in the candidate release" in (r.note or "")
    assert g.result("categories exist", "category:Fitness").status == "pass"  # type: ignore[union-attr]
