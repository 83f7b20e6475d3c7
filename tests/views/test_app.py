"""The dashboard under streamlit's AppTest: every page renders on a tiny store, widgets are keyed and bound
to the URL, charts hold the data the core returned, and problems people can act on show a message."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
from pathlib import Path

import pyarrow as pa
import pytest
from snapshots import write_snapshot
from streamlit.testing.v1 import AppTest

from dashboard.stakeholders.model import load_stakeholders, parse_stakeholders
from dashboard.store.catalog import Store
from dashboard.store.ingest import ingest_release

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
TIMEOUT = 60
PAGES = {
    "review": "views/review.py",
    "customers": "views/customers.py",
    "categories": "views/categories.py",
    "deals": "views/deals.py",
    "explore": "views/explore.py",
    "attribution": "views/attribution.py",
    "chaos": "views/chaos_lab.py",
    "criteria": "views/criteria.py",
    "releases": "views/releases.py",
}

START = dt.date(2026, 6, 1)  # a Monday: four whole ISO weeks
DAYS = 28
PLACES = [
    # place_id, brand, category, region, base visits per day and source
    ("p1", "FreshCo", "Grocery Stores", "NE", 100.0),
    ("p2", "FreshCo", "Grocery Stores", "W", 80.0),
    ("p3", "ValueMart", "Grocery Stores", "NE", 120.0),
    ("p4", "ValueMart", "Grocery Stores", "W", 90.0),
    ("p5", None, "Fitness Centers", "W", 40.0),
    ("p6", "PacificFit", "Fitness Centers", "W", 60.0),
]
NEW_PLACE = ("p7", "PacificFit", "Fitness Centers", "W", 30.0)
COMPONENTS_1 = {"source_ingest": "v4", "poi_db": "2026-05", "attribution": "point_radius"}
COMPONENTS_2 = {"source_ingest": "v5", "poi_db": "2026-05", "attribution": "gauss_poi"}

STAKEHOLDERS = """
[[customers]]
id = "freshco"
name = "FreshCo Inc."
tier = "key"
brands = ["FreshCo"]
competitors = ["ValueMart"]

[[deals]]
id = "gym-trial"
prospect = "Pacific Fitness"
stage = "trial"
categories = ["Fitness Centers"]
regions = ["W"]

[[criteria]]
name = "key customers keep their weekly trend"
applies_to = "customers"
metric = "weekly_growth_mae_pp"
max = 50.0
severity = "block"

[[criteria]]
name = "trial deals see a steady level"
applies_to = "deals"
where = { stage = "trial" }
metric = "level_change_pct"
min = -5.0
max = 5.0
severity = "block"

[[criteria]]
name = "categories keep their level"
applies_to = "categories"
metric = "level_change_pct"
min = -10.0
max = 10.0
severity = "warn"
"""

SCENARIOS = """
[[scenarios]]
name = "sdk_b outage"
[[scenarios.perturbations]]
kind = "drop_source"
source = "sdk_b"
"""


def _visits(places, start: dt.date, days: int, shape) -> list[dict]:
    rows = []
    for pid, brand, _cat, region, base in places:
        for i in range(days):
            day = start + dt.timedelta(days=i)
            weekly = 1.25 if day.weekday() >= 5 else 1.0
            for source, share in (("sdk_a", 0.6), ("sdk_b", 0.4)):
                v = base * share * weekly * (1 + 0.01 * (i % 7)) * shape(brand, region, source, i)
                rows.append(
                    {
                        "place_id": pid,
                        "date": day,
                        "source": source,
                        "visits": round(v, 3),
                        "raw_visits": int(v / 4),
                    }
                )
    return rows


def _places(places) -> list[dict]:
    return [
        {
            "place_id": pid,
            "name": f"{brand or 'Indie'} {pid}",
            "brand": brand,
            "category": cat,
            "region": region,
        }
        for pid, brand, cat, region, _ in places
    ]


def _same(brand, region, source, i) -> float:
    return 1.0


def _candidate(brand, region, source, i) -> float:
    """sdk_b loses 60 % of its devices in W from the third week; FreshCo's polygons add 3 %."""
    f = 0.4 if (source == "sdk_b" and region == "W" and i >= 14) else 1.0
    return f * (1.03 if brand == "FreshCo" else 1.0)


def _ablation_attribution(brand, region, source, i) -> float:
    return 1.03 if brand == "FreshCo" else 1.0


def _ablation_source(brand, region, source, i) -> float:
    return 0.4 if (source == "sdk_b" and region == "W" and i >= 14) else 1.0


def build_store(root: Path) -> Path:
    home = root / "store"
    store = Store(home)
    snaps = root / "snaps"
    specs = [
        ("r1", PLACES, START, _same, {"components": COMPONENTS_1, "created_at": "2026-07-01T10:00:00Z"}),
        (
            "r2",
            PLACES + [NEW_PLACE],
            START,
            _candidate,
            {"components": COMPONENTS_2, "created_at": "2026-08-01T10:00:00Z"},
        ),
        (
            "r2-abl-attribution",
            PLACES,
            START,
            _ablation_attribution,
            {
                "kind": "ablation",
                "base": "r1",
                "components": {**COMPONENTS_1, "attribution": "gauss_poi"},
                "created_at": "2026-08-01T12:00:00Z",
            },
        ),
        (
            "r2-abl-source_ingest",
            PLACES,
            START,
            _ablation_source,
            {
                "kind": "ablation",
                "base": "r1",
                "components": {**COMPONENTS_1, "source_ingest": "v5"},
                "created_at": "2026-08-01T12:10:00Z",
            },
        ),
        (
            "old",
            PLACES,
            dt.date(2025, 1, 6),
            _same,
            {"components": COMPONENTS_1, "created_at": "2025-01-20T10:00:00Z"},
        ),
    ]
    for rid, places, start, shape, manifest in specs:
        folder = write_snapshot(
            snaps / rid, rid, _visits(places, start, DAYS, shape), _places(places), **manifest
        )
        ingest_release(store, folder)
    return home


def record_gate_run(home: Path, stakeholders: Path) -> None:
    """One recorded verdict for the Releases page's history (the dashboard itself never records)."""
    from dashboard.acceptance.service import run_gate

    run_gate(Store(home), "r1", "r2", load_stakeholders(stakeholders), record=True, attribute=False)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("apptest")
    (root / "stakeholders.toml").write_text(STAKEHOLDERS, encoding="utf-8")
    (root / "chaos.toml").write_text(SCENARIOS, encoding="utf-8")
    home = build_store(root)
    record_gate_run(home, root / "stakeholders.toml")
    return {"home": home, "stakeholders": root / "stakeholders.toml", "scenarios": root / "chaos.toml"}


@pytest.fixture
def env(tiny, monkeypatch) -> dict[str, Path]:
    monkeypatch.setenv("RELCHECK_HOME", str(tiny["home"]))
    monkeypatch.setenv("RELCHECK_STAKEHOLDERS", str(tiny["stakeholders"]))
    monkeypatch.setenv("RELCHECK_SCENARIOS", str(tiny["scenarios"]))
    return tiny


def open_page(page: str, **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    if page != "review":
        at.switch_page(PAGES[page]).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def plotly_specs(at: AppTest) -> dict[str, dict]:
    """Plotly figures on the page by title."""
    out = {}
    for el in at.get("plotly_chart"):
        spec = json.loads(el.proto.spec)
        out[spec["layout"]["title"]["text"]] = spec
    return out


def vega_charts(at: AppTest) -> list[tuple[dict, list[dict]]]:
    """Vega-Lite charts on the page: (spec, rows of its datasets)."""
    out = []
    for el in at.get("vega_lite_chart"):
        rows: list[dict] = []
        for ds in el.proto.datasets:
            rows += pa.ipc.open_stream(io.BytesIO(ds.data.data)).read_all().to_pylist()
        out.append((json.loads(el.proto.spec), rows))
    return out


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


# ------------------------------------------------------------------------------------------ every page
@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_renders_with_the_sidebar_pickers(env, page):
    at = open_page(page)
    assert at.selectbox(key="current").value == "r1"  # the release marked current (first ingested)
    assert at.selectbox(key="candidate").value == "r2"  # the newest other release of kind "release"
    assert at.selectbox(key="scope").value == "all"
    assert not at.error or page in ("review", "deals", "criteria"), texts(
        at.error
    )  # verdict banners are errors
    # every table comes with its CSV download
    assert len(at.get("download_button")) >= len(at.dataframe) > 0 or page in ("explore", "chaos")


def test_review_shows_verdict_scorecard_and_manifest_diff(env):
    at = open_page("review")
    banner = texts(at.error)
    assert "Verdict: FAIL" in banner and "r1 → r2" in banner
    scorecard = next(
        df.value for df in at.dataframe if "scope" in df.value.columns and "fail" in df.value.columns
    )
    row = scorecard.set_index("scope").loc["deal:gym-trial"]
    assert row["status"] == "fail" and row["fail"] == 1
    manifest = next(df.value for df in at.dataframe if "component" in df.value.columns)
    changed = dict(zip(manifest["component"], manifest["changed"], strict=True))
    assert changed == {"attribution": True, "poi_db": False, "source_ingest": True}
    assert "current (r1)" in manifest.columns and "candidate (r2)" in manifest.columns
    (heat, rows) = vega_charts(at)[0]
    assert {r["status"] for r in rows} >= {"fail", "pass"}
    assert "Biggest movers" in texts(at.subheader)


def test_customer_page_charts_hold_both_releases(env):
    at = open_page("customers", customer="freshco")
    assert at.selectbox(key="customer").value == "freshco"
    figs = plotly_specs(at)
    daily = figs["Daily visits — FreshCo Inc."]
    cur, cand = daily["data"]
    assert cur["name"] == "current (r1)" and cand["name"] == "candidate (r2)"
    assert len(cur["x"]) == DAYS and cur["x"][0] == "2026-06-01"
    # FreshCo + ValueMart, both sources: day 0 of r1 is the sum of the bases
    assert cur["y"][0] == pytest.approx(100 + 80 + 120 + 90, rel=1e-6)
    growth = figs["Week-on-week growth — FreshCo Inc."]
    assert [t["name"] for t in growth["data"]] == ["current (r1)", "candidate (r2)"]
    assert len(growth["data"][0]["x"]) == 3  # four whole weeks give three growth pairs
    shares = figs["Brand shares — FreshCo Inc."]
    assert "★ FreshCo" in shares["data"][0]["y"]
    waterfall = figs["Delta by upstream source — FreshCo Inc."]["data"][0]
    assert waterfall["x"][-1] == "total delta"
    assert sum(waterfall["y"][:-1]) == pytest.approx(waterfall["y"][-1], rel=1e-9, abs=1e-6)


def test_categories_small_multiples(env):
    at = open_page("categories", category="Fitness Centers")
    assert at.selectbox(key="category").value == "Fitness Centers"
    spec, rows = vega_charts(at)[0]
    assert spec["facet"]["field"] == "scope"
    assert {r["release"] for r in rows} == {"current (r1)", "candidate (r2)"}
    assert {r["scope"] for r in rows} == {"Grocery Stores", "Fitness Centers"}


def test_deals_page_makes_trials_stand_out(env):
    at = open_page("deals")
    assert at.selectbox(key="deal").value == "gym-trial"
    assert "Pacific Fitness" in texts(at.error) and "trial" in texts(at.error)
    table = next(df.value for df in at.dataframe if "stage" in df.value.columns)
    assert table["stage"].iloc[0] == "trial"  # trials first, highlighted


def test_query_params_select_the_pair_and_scope(env):
    at = open_page("attribution", candidate="r2-abl-attribution", scope="region:W", metric="delta")
    assert at.selectbox(key="candidate").value == "r2-abl-attribution"
    assert at.selectbox(key="scope").value == "region:W"
    assert at.selectbox(key="metric").value == "delta"
    figs = plotly_specs(at)
    sources = figs["Delta by upstream source"]["data"][0]
    assert sources["x"][-1] == "total delta"
    (heat, rows) = vega_charts(at)[0]
    assert {r["region"] for r in rows} == {"W"}
    assert heat["layer"][0]["encoding"]["color"]["scale"]["domainMid"] == 0


def test_attribution_splits_by_component(env):
    at = open_page("attribution")
    figs = plotly_specs(at)
    comp = next(spec for title, spec in figs.items() if title.startswith("Contribution to"))
    bars = comp["data"][0]
    assert bars["y"][:2] == ["attribution", "source_ingest"] or bars["y"][:2] == [
        "source_ingest",
        "attribution",
    ]
    contributions = dict(zip(bars["y"], bars["x"], strict=True))
    assert contributions["source_ingest"] < 0 < contributions["attribution"]  # device loss vs new polygons
    total = figs["Delta by upstream source"]["data"][0]["y"][-1]
    assert sum(contributions.values()) == pytest.approx(total, rel=1e-6, abs=1e-6)
    assert "exact Shapley" in comp["layout"]["title"]["text"]  # every subset of the two components has a run
    effect = figs["Coverage churn against level change"]["data"][0]
    assert effect["x"][0] == "places only in candidate" and effect["y"][0] > 0  # p7 opened
    assert at.dataframe  # root causes and friends


def test_explore_ad_hoc_scope_and_snippet(env):
    at = open_page("explore")
    assert "Pick at least one" in texts(at.info)
    at.multiselect(key="x_brands").set_value(["PacificFit"]).run()
    at.text_input(key="x_name").set_value("gyms-west").run()
    assert not at.exception
    assert "Daily visits — gyms-west" in plotly_specs(at)
    deal = parse_stakeholders(next(c.value for c in at.code)).deals[0]
    assert (deal.id, deal.stage, deal.brands) == ("gyms-west", "trial", ("PacificFit",))
    at.radio(key="x_kind").set_value("customer").run()
    customer = parse_stakeholders(next(c.value for c in at.code)).customers[0]
    assert (customer.id, customer.brands) == ("gyms-west", ("PacificFit",))


def test_explore_scope_without_places_says_so(env):
    at = open_page("explore", x_brands="FreshCo", x_categories="Fitness Centers")
    assert at.multiselect(key="x_brands").value == ["FreshCo"]
    assert "no places in either release" in texts(at.warning)


def test_chaos_lab_runs_scenarios_into_a_matrix(env):
    at = open_page("chaos")
    assert at.selectbox(key="chaos_release").value == "r1"
    assert at.multiselect(key="chaos_scenarios").value == ["sdk_b outage"]
    at.button(key="chaos_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    spec, rows = vega_charts(at)[0]
    assert {r["scenario"] for r in rows} == {"sdk_b outage"}
    assert {r["stakeholder"] for r in rows} >= {"customer:freshco", "deal:gym-trial"}


def test_chaos_lab_drills_into_one_cell(env):
    at = open_page("chaos")
    at.button(key="chaos_run").click().run()
    at.selectbox(key="chaos_cell_scope").select("customer:freshco").run()
    assert not at.exception, [e.value for e in at.exception]
    spec = next(json.loads(c.proto.spec) for c in at.get("plotly_chart"))
    names = [t["name"] for t in spec["data"]]
    assert any("r1" in n for n in names) and any("perturbed" in n for n in names)
    stored, perturbed = spec["data"][0]["y"], spec["data"][1]["y"]
    # Dropping sdk_b removes that source's visits: the perturbed series sits below the stored one.
    assert sum(perturbed) < sum(stored)


def test_criteria_page_signs_off_a_failure(env, tmp_path, monkeypatch):
    home = tmp_path / "store"
    shutil.copytree(env["home"], home)  # sign-offs are appended to the store: keep the shared one clean
    monkeypatch.setenv("RELCHECK_HOME", str(home))
    at = open_page("criteria")
    assert "Verdict: FAIL" in texts(at.error)
    at.text_input(key="so_by").input("Dana Lee")
    at.text_area(key="so_reason").input("prospect informed of the W device loss")
    submit = next(b for b in at.button if b.label == "Sign off")
    submit.click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Verdict: PASS" in texts(at.success), texts(at.error) + texts(at.success)
    assert "Signed off by Dana Lee: trial deals see a steady level" in texts(at.success)
    log = next(df.value for df in at.dataframe if "reason" in df.value.columns and "by" in df.value.columns)
    assert list(log["by"]) == ["Dana Lee"] and list(log["criterion"]) == ["trial deals see a steady level"]
    results = next(df.value for df in at.dataframe if "waived_by" in df.value.columns)
    assert "waived" in set(results["status"])


def test_criteria_page_builds_the_evidence_pack(env, tmp_path, monkeypatch):
    at = open_page("criteria")
    assert at.get("download_button")  # the gate JSON is always there
    at.button(key="report_build").click().run()
    assert not at.exception, [e.value for e in at.exception]
    labels = {b.proto.label for b in at.get("download_button")}
    assert {"Download report.html", "Download summary.md", "Download gate.json"} <= labels


def test_criteria_sign_off_needs_a_reason(env, tmp_path, monkeypatch):
    home = tmp_path / "store"
    shutil.copytree(env["home"], home)
    monkeypatch.setenv("RELCHECK_HOME", str(home))
    at = open_page("criteria")
    at.text_input(key="so_by").input("Dana Lee")
    next(b for b in at.button if b.label == "Sign off").click().run()
    assert "reason" in texts(at.error)
    assert not Store(home).signoffs_path.exists()


def test_releases_page_lists_releases_and_manifest(env):
    at = open_page("releases", release="r1")
    table = next(
        df.value for df in at.dataframe if "release_id" in df.value.columns and "checksum" in df.value.columns
    )
    assert list(table["release_id"]) == ["r1", "r2", "r2-abl-attribution", "r2-abl-source_ingest", "old"]
    assert table.set_index("release_id").loc["r1", "current"] == "★"
    assert table.set_index("release_id").loc["r1", "days"] == DAYS
    assert json.loads(next(c.value for c in at.code))["release_id"] == "r1"
    (spec, rows) = vega_charts(at)[0]  # the recorded verdict
    assert [(r["current"], r["candidate"], r["verdict"]) for r in rows] == [("r1", "r2", "fail")]
    assert at.selectbox(key="history_metric").value == "level_change_pct"


def test_releases_page_metric_across_releases(env):
    at = open_page("releases", scope="deal:gym-trial")
    history = plotly_specs(at)["Level change (%) — deal:gym-trial"]["data"][0]
    # kind "release" by created_at: old → r1 (no common dates), r1 → r2
    assert history["x"] == ["old → r1", "r1 → r2"]
    assert history["y"][0] is None and abs(history["y"][1]) > 5  # p7 opened, sdk_b lost W devices
    assert history["text"] == ["", "fail"]  # a pair without common dates is not judged


# --------------------------------------------------------------------------------------------- messages
def test_empty_store_tells_how_to_fill_it(env, tmp_path, monkeypatch):
    monkeypatch.setenv("RELCHECK_HOME", str(tmp_path / "nothing"))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    msg = texts(at.warning)
    assert "holds no release" in msg and "relcheck sample" in msg and "make run" in msg


def test_unknown_release_in_the_link_lists_the_releases(env):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["candidate"] = "2099.1"
    at.run()
    assert not at.exception
    msg = texts(at.error)
    assert "Unknown release `2099.1`" in msg
    for rid in ("r1", "r2", "r2-abl-attribution", "r2-abl-source_ingest", "old"):
        assert rid in msg


def test_pair_without_common_dates_is_an_error_not_a_traceback(env):
    at = open_page("review", current="old")
    assert "no common dates" in texts(at.error)


def test_unknown_scope_in_the_link_falls_back_to_all(env):
    at = open_page("review", scope="customer:nobody")
    assert at.selectbox(key="scope").value == "all"
    assert "Unknown scope `customer:nobody`" in texts(at.warning)


def test_causes_toggle_attributes_failures(env):
    at = open_page("criteria", causes="true")
    assert at.toggle(key="causes").value is True
    results = next(df.value for df in at.dataframe if "waived_by" in df.value.columns)
    failing = results[results["status"] == "fail"]
    assert not failing.empty and all(cause.startswith("source sdk_") for cause in failing["cause"])


def test_scorecard_names_causes_only_when_asked(env):
    def scorecard(at):
        return next(df.value for df in at.dataframe if {"kind", "pass", "fail"} <= set(df.value.columns))

    without = open_page("review")
    assert "causes" not in scorecard(without).columns
    assert "Attribute failures to causes" in texts(without.caption)
    with_causes = scorecard(open_page("review", causes="true"))
    failing = with_causes[with_causes["fail"] > 0]
    assert not failing.empty and all("source sdk_" in cause for cause in failing["causes"])


def test_broken_stakeholders_file_is_named_not_a_traceback(env, tmp_path, monkeypatch):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[customers]]\nid = "x"\nname = "X"\ntier = "gold"\n', encoding="utf-8")
    monkeypatch.setenv("RELCHECK_STAKEHOLDERS", str(bad))
    at = open_page("review")
    assert "bad.toml" in texts(at.error) and "tier" in texts(at.error)
    assert at.metric  # the headline numbers still show
    at.switch_page(PAGES["customers"]).run()
    assert not at.exception and "could not be read" in texts(at.error)
