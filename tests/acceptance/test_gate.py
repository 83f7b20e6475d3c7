"""The release gate (DESIGN section 7): statuses, scopes, waivers, causes, the JSON shape, the gate log.

The releases are tiny and written inline; every expected value below is worked out by hand from them.
Three whole ISO weeks from Monday 2026-01-05; the daily pattern w repeats weekly, so weekly growth is 0.

    place  brand      category        region  current (r1)        candidate (r2)
    p1     FreshCo    Grocery Stores  NE      w                   1.5·w                      (level up)
    p2     ValueMart  Grocery Stores  W       w (sdk_a) + w (sdk_b)  same
    p3     IronWorks  Fitness         W       2·w                 same
    p4     BeanThere  Coffee → Cafes  SE      w                   w (relabelled to Cafes)
    p5     (none)     Fitness         MW      w                   dropped
    p6     (none)     Fitness         S       —                   w (new)

So category Coffee exists only in r1, Cafes and region S only in r2, region MW only in r1.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from snapshots import COMPONENTS, daily_rows, write_snapshot

from dashboard.acceptance import causes as causes_mod
from dashboard.acceptance.results import GateResult
from dashboard.acceptance.service import run_gate
from dashboard.acceptance.gate_log import stakeholders_checksum
from dashboard.acceptance.history import gate_history, metric_history
from dashboard.acceptance.service import sign_off
from dashboard.engine.metrics import compare
from dashboard.engine.scopes import customer_scope, deal_scope, simple_scope
from dashboard.engine.session import PairSession
from dashboard.errors import RelcheckError
from dashboard.stakeholders.model import Stakeholders, parse_stakeholders
from dashboard.store.catalog import Store
from dashboard.store.ingest import ingest_release

START = "2026-01-05"
W = [10.0 + (i % 7) for i in range(21)]
S = sum(W)


def scaled(k: float) -> list[float]:
    return [k * x for x in W]


def place(pid: str, brand: str | None, category: str, region: str, name: str | None = None) -> dict[str, Any]:
    return {"place_id": pid, "name": name or pid, "brand": brand, "category": category, "region": region,
            "latitude": 1.0, "longitude": 1.0}


PLACES_A = [
    place("p1", "FreshCo", "Grocery Stores", "NE"),
    place("p2", "ValueMart", "Grocery Stores", "W"),
    place("p3", "IronWorks", "Fitness", "W"),
    place("p4", "BeanThere", "Coffee", "SE"),
    place("p5", None, "Fitness", "MW"),
]
PLACES_B = [
    place("p1", "FreshCo", "Grocery Stores", "NE"),
    place("p2", "ValueMart", "Grocery Stores", "W"),
    place("p3", "IronWorks", "Fitness", "W"),
    place("p4", "BeanThere", "Cafes", "SE"),
    place("p6", None, "Fitness", "S"),
]
VISITS_A = (
    daily_rows("p1", START, W) + daily_rows("p2", START, W) + daily_rows("p2", START, W, source="sdk_b")
    + daily_rows("p3", START, scaled(2)) + daily_rows("p4", START, W) + daily_rows("p5", START, W)
)
VISITS_B = (
    daily_rows("p1", START, scaled(1.5)) + daily_rows("p2", START, W) + daily_rows("p2", START, W, source="sdk_b")
    + daily_rows("p3", START, scaled(2)) + daily_rows("p4", START, W) + daily_rows("p6", START, W)
)

STAKEHOLDERS_TOML = """
[[customers]]
id = "freshco"
name = "FreshCo <Inc> & Sons"
tier = "key"
brands = ["FreshCo"]
competitors = ["ValueMart"]

[[customers]]
id = "ironworks"
name = "IronWorks Gyms"
tier = "standard"
brands = ["IronWorks"]

[[customers]]
id = "beanthere"
name = "BeanThere Coffee"
tier = "key"
brands = ["BeanThere"]

[[customers]]
id = "ghost"
name = "Ghost Brand"
tier = "standard"
brands = ["Nobody"]

[[deals]]
id = "gym-trial"
prospect = "Pacific Fitness"
stage = "trial"
categories = ["Fitness"]
regions = ["W"]

[[deals]]
id = "coffee-negotiation"
prospect = "Bean Counters"
stage = "negotiation"
categories = ["Coffee"]

[[criteria]]
name = "key customers keep their level"
applies_to = "customers"
where = { tier = "key" }
metric = "level_change_pct"
min = -5.0
max = 5.0
severity = "block"

[[criteria]]
name = "competitor shares hold"
applies_to = "customers"
metric = "max_share_shift_pp"
max = 2.0
severity = "warn"

[[criteria]]
name = "trial deals steady"
applies_to = "deals"
where = { stage = "trial" }
metric = "level_change_pct"
min = -3.0
max = 3.0
severity = "block"

[[criteria]]
name = "categories keep their level"
applies_to = "categories"
metric = "level_change_pct"
min = -5.0
max = 5.0
severity = "warn"

[[criteria]]
name = "regions stay aligned"
applies_to = "regions"
metric = "daily_corr"
min = 0.9
severity = "block"

[[criteria]]
name = "total level"
applies_to = "all"
metric = "level_change_pct"
max = 100.0
severity = "block"
"""

KEY_LEVEL = "key customers keep their level"
SHARES = "competitor shares hold"
FRESHCO_LEVEL = 100.0 * (3.5 * S - 3 * S) / (3 * S)  # p1 + p2: 3w → 3.5w
FRESHCO_SHARE_SHIFT = 100.0 * abs(1.5 / 3.5 - 1 / 3)  # FreshCo's share of FreshCo + ValueMart

#: Every (criterion, scope) the gate must judge, and its status, worked out by hand.
EXPECTED: dict[tuple[str, str], str] = {
    (KEY_LEVEL, "customer:freshco"): "fail",  # +16.7 %
    (KEY_LEVEL, "customer:beanthere"): "pass",  # where tier = key: ironworks and ghost are not judged
    (SHARES, "customer:freshco"): "warn",  # 9.5 pp
    (SHARES, "customer:ironworks"): "pass",
    (SHARES, "customer:beanthere"): "pass",
    (SHARES, "customer:ghost"): "no_data",  # no place at all: no share to shift
    ("trial deals steady", "deal:gym-trial"): "pass",  # the negotiation deal is not a trial
    ("categories keep their level", "category:Cafes"): "no_data",  # only in r2: no current level
    ("categories keep their level", "category:Coffee"): "warn",  # only in r1: -100 %
    ("categories keep their level", "category:Fitness"): "pass",  # p3+p5 → p3+p6: 3w both
    ("categories keep their level", "category:Grocery Stores"): "warn",
    ("regions stay aligned", "region:MW"): "no_data",  # r2 has no MW place: a constant 0 series
    ("regions stay aligned", "region:NE"): "pass",
    ("regions stay aligned", "region:S"): "no_data",
    ("regions stay aligned", "region:SE"): "pass",
    ("regions stay aligned", "region:W"): "pass",
    ("total level", "all"): "pass",  # 7w → 7.5w: +7.1 %
}


def stakeholders(text: str = STAKEHOLDERS_TOML) -> Stakeholders:
    return parse_stakeholders(text, source="<test stakeholders>")


COMPONENTS_A = dict(COMPONENTS)
#: r2 changes two components: the places database (FreshCo's polygons: p1 ×1.5) and the attribution step
#: (p4 relabelled, p5 lost, p6 found).
COMPONENTS_B = {**COMPONENTS, "poi_db": "2026-11", "attribution": "gauss_poi"}
VISITS_POI_ONLY = [r if r["place_id"] != "p1" else {**r, "visits": 1.5 * r["visits"]} for r in VISITS_A]
VISITS_ATTRIBUTION_ONLY = [r for r in VISITS_A if r["place_id"] != "p5"] + daily_rows("p6", START, W)


def build_store(root: Path, with_r3: bool = False, with_ablation: bool = False) -> Store:
    """r1 (current) and r2 (candidate); with_r3 adds r3 = r2's data, created last but ingested first;
    with_ablation adds r1 rebuilt with each of r2's two changed components (every subset: exact Shapley)."""
    store = Store(root / "store")
    if with_r3:
        ingest_release(store, write_snapshot(root / "snap-r3", "r3", VISITS_B, PLACES_B, components=COMPONENTS_B,
                                             created_at="2026-03-01T00:00:00Z"))
    ingest_release(store, write_snapshot(root / "snap-r1", "r1", VISITS_A, PLACES_A, components=COMPONENTS_A,
                                         created_at="2026-01-01T00:00:00Z"))
    ingest_release(store, write_snapshot(root / "snap-r2", "r2", VISITS_B, PLACES_B, components=COMPONENTS_B,
                                         created_at="2026-02-01T00:00:00Z"))
    if with_ablation:
        ingest_release(store, write_snapshot(
            root / "snap-abl-poi", "r2-abl-poi_db", VISITS_POI_ONLY, PLACES_A, kind="ablation", base="r1",
            components={**COMPONENTS_A, "poi_db": COMPONENTS_B["poi_db"]}, created_at="2026-02-01T01:00:00Z"))
        ingest_release(store, write_snapshot(
            root / "snap-abl-attr", "r2-abl-attribution", VISITS_ATTRIBUTION_ONLY, PLACES_B, kind="ablation",
            base="r1", components={**COMPONENTS_A, "attribution": COMPONENTS_B["attribution"]},
            created_at="2026-02-01T02:00:00Z"))
    return store


@pytest.fixture(scope="session")
def built_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One built store for the whole run; tests get a private copy (cheap: a few KB of Parquet)."""
    root = tmp_path_factory.mktemp("gate-data")
    build_store(root, with_r3=True, with_ablation=True)
    return root / "store"


@pytest.fixture
def store(built_store: Path, tmp_path: Path) -> Store:
    shutil.copytree(built_store, tmp_path / "store")
    return Store(tmp_path / "store")


def statuses(g: GateResult) -> dict[tuple[str, str], str]:
    return {(r.criterion, r.scope): r.status for r in g.results}


# ----------------------------------------------------------------------------------------------- statuses


def test_every_status_on_tiny_releases(store: Store) -> None:
    g = run_gate(store, "r1", "r2", stakeholders(), record=False)
    assert statuses(g) == EXPECTED
    assert g.verdict == "fail"
    assert g.counts == {"pass": 9, "fail": 1, "warn": 3, "waived": 0, "no_data": 4}
    r = g.result(KEY_LEVEL, "customer:freshco")
    assert r is not None and r.value == pytest.approx(FRESHCO_LEVEL)
    assert r.op == "between" and r.threshold == [-5.0, 5.0] and r.severity == "block"
    shares = g.result(SHARES, "customer:freshco")
    assert shares is not None and shares.value == pytest.approx(FRESHCO_SHARE_SHIFT)


def test_no_data_is_never_a_pass(store: Store) -> None:
    g = run_gate(store, "r1", "r2", stakeholders(), record=False, attribute=False)
    for r in g.results:
        missing = r.value is None or (isinstance(r.value, float) and math.isnan(r.value))
        assert (r.status == "no_data") == missing, r


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
            want = "no_data"
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


# --------------------------------------------------------------------------------------------- causes


def test_causes_only_on_failing_scopes_once_per_scope(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []
    original = causes_mod.source_deltas

    def spy(session: PairSession, scope_ids: Any) -> Any:
        calls.append(list(scope_ids))
        return original(session, scope_ids)

    monkeypatch.setattr(causes_mod, "source_deltas", spy)
    g = run_gate(store, "r1", "r2", stakeholders(), record=False)
    broken_scopes = {r.scope for r in g.results if r.status in ("fail", "warn")}
    assert len(calls) == 1 and sorted(calls[0]) == sorted(broken_scopes)
    for r in g.results:
        assert (r.cause is not None) == (r.status in ("fail", "warn")), r
    cause = g.result(KEY_LEVEL, "customer:freshco").cause  # type: ignore[union-attr]
    # FreshCo's scope moved by 0.5·S visits, all from sdk_a (p1); sdk_b (p2's second source) did not move.
    assert cause.source == "sdk_a"
    assert cause.source_delta == pytest.approx(0.5 * S)
    assert cause.scope_delta == pytest.approx(0.5 * S)
    assert cause.source_abs_share == pytest.approx(1.0)
    coffee = g.result("categories keep their level", "category:Coffee").cause  # type: ignore[union-attr]
    assert coffee.source == "sdk_a" and coffee.source_delta == pytest.approx(-S)


def test_top_source_and_component_agree_with_the_attribution_module(store: Store) -> None:
    """The cause is the top row of attribution.by_source and the largest |φ| of attribution.by_component."""
    from dashboard.attribution import core as attribution

    sh = stakeholders()
    g = run_gate(store, "r1", "r2", sh, record=False)
    freshco = g.result(KEY_LEVEL, "customer:freshco").cause  # type: ignore[union-attr]
    # poi_db alone makes FreshCo's change; the attribution step moves nothing there (exact: both runs exist).
    assert (freshco.component, freshco.component_method) == ("poi_db", "exact_shapley")
    assert freshco.component_metric == "level_change_pct"
    assert freshco.component_contribution == pytest.approx(FRESHCO_LEVEL)
    coffee = g.result("categories keep their level", "category:Coffee").cause  # type: ignore[union-attr]
    assert (coffee.component, coffee.component_contribution) == ("attribution", pytest.approx(-100.0))
    checked = 0
    for r in g.results:
        if r.cause is None:
            continue
        sd = g.scope_def(r.scope)
        split = attribution.by_source(store, "r1", "r2", sd)
        assert r.cause.source == split.rows[0].source
        assert r.cause.source_delta == pytest.approx(split.rows[0].delta)
        comp = attribution.by_component(store, "r1", "r2", sd, metric=r.metric)
        if comp.method == "none":
            assert r.cause.component is None
        else:
            top = max(sorted(comp.contributions), key=lambda k: abs(comp.contributions[k]))
            assert r.cause.component == top and r.cause.component_method == comp.method
            assert r.cause.component_contribution == pytest.approx(comp.contributions[top])
        checked += 1
    assert checked == 4


def test_no_component_without_ablation_runs(store: Store) -> None:
    g = run_gate(store, "r2", "r3", stakeholders(STAKEHOLDERS_TOML.replace("max = 100.0", "max = -100.0")),
                      record=False)
    total = g.result("total level", "all")
    assert total is not None and total.status == "fail"
    assert total.cause is not None and total.cause.component is None  # no run is based on r2


def test_attribute_false_skips_causes(store: Store) -> None:
    g = run_gate(store, "r1", "r2", stakeholders(), record=False, attribute=False)
    assert all(r.cause is None for r in g.results)
    assert statuses(g) == EXPECTED


# ------------------------------------------------------------------------------------------ json shape


def test_json_shape(store: Store) -> None:
    payload = run_gate(store, "r1", "r2", stakeholders(), record=False).to_json()
    json.dumps(payload, allow_nan=False)
    assert list(payload) == ["current", "candidate", "verdict", "counts", "results"]
    assert payload["current"] == "r1" and payload["candidate"] == "r2" and payload["verdict"] in ("pass", "fail")
    assert set(payload["counts"]) == {"pass", "fail", "warn", "waived", "no_data"}
    assert sum(payload["counts"].values()) == len(payload["results"])
    keys = ["criterion", "scope", "scope_name", "metric", "value", "op", "threshold", "severity", "status",
            "waiver", "cause"]
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
    assert g.verdict == "pass"
    assert g.counts == {"pass": 9, "fail": 0, "warn": 3, "waived": 1, "no_data": 4}
    r = next(r for r in g.to_json()["results"] if r["scope"] == "customer:freshco" and r["criterion"] == KEY_LEVEL)
    assert r["status"] == "waived"
    assert set(r["waiver"]) == {"by", "reason", "at", "expires"}
    assert r["waiver"]["by"] == "Ann Lee" and r["waiver"]["expires"] == "2099-12-31"
    assert r["cause"]["source"] == "sdk_a"  # the evidence stays beside the waiver


# -------------------------------------------------------------------------------------------- history


def test_gate_runs_are_recorded(store: Store) -> None:
    sh = stakeholders()
    assert gate_history(store) == []
    g1 = run_gate(store, "r1", "r2", sh, attribute=False)
    run_gate(store, "r1", "r2", sh, record=False, attribute=False)
    g2 = run_gate(store, "r2", "r3", sh, attribute=False)
    runs = gate_history(Store(store.home))  # a fresh Store reads the same log
    assert [(r["current"], r["candidate"], r["verdict"]) for r in runs] == [("r1", "r2", "fail"), ("r2", "r3", "pass")]
    assert [r["id"] for r in runs] == [g1.run_id, g2.run_id]
    assert runs[0]["counts"] == g1.counts
    assert runs[0]["stakeholders"] == "<test stakeholders>"
    assert runs[0]["stakeholders_checksum"] == stakeholders_checksum(sh)
    assert runs[0]["window"] == {"start": "2026-01-05", "end": "2026-01-25"}
    assert runs[0]["at"].endswith("Z")
    assert gate_history(store, current="r2") == runs[1:]


def test_stakeholders_checksum_of_a_file(tmp_path: Path) -> None:
    from dashboard.stakeholders.model import load_stakeholders

    path = tmp_path / "stakeholders.toml"
    path.write_text(STAKEHOLDERS_TOML, encoding="utf-8")
    import hashlib

    want = "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    assert stakeholders_checksum(load_stakeholders(path)) == want
    assert stakeholders_checksum(stakeholders()).startswith("content-sha256:")
    other = stakeholders(STAKEHOLDERS_TOML.replace("max = 100.0", "max = 99.0"))
    assert stakeholders_checksum(other) != stakeholders_checksum(stakeholders())


def test_metric_history_across_consecutive_releases(store: Store) -> None:
    rows = metric_history(store, "customer:freshco", "level_change_pct", stakeholders())
    # Ordered by created_at (r1, r2, r3), not by ingest order (r3 was ingested first).
    assert [(r["current"], r["candidate"]) for r in rows] == [("r1", "r2"), ("r2", "r3")]
    assert rows[0]["value"] == pytest.approx(FRESHCO_LEVEL)
    assert rows[1]["value"] == pytest.approx(0.0)
    assert [c["status"] for c in rows[0]["criteria"]] == ["fail"]
    assert rows[0]["criteria"][0]["criterion"] == KEY_LEVEL
    assert [c["status"] for c in rows[1]["criteria"]] == ["pass"]
    only = metric_history(store, "category:Coffee", "places_current", stakeholders(), releases=["r2", "r1"])
    assert [(r["current"], r["candidate"], r["value"]) for r in only] == [("r1", "r2", 1)]
    with pytest.raises(RelcheckError, match="unknown metric"):
        metric_history(store, "all", "nope", stakeholders())


def test_unknown_release_is_an_error(store: Store) -> None:
    with pytest.raises(RelcheckError, match="unknown release 'r9'"):
        run_gate(store, "r1", "r9", stakeholders())
    assert gate_history(store) == []
