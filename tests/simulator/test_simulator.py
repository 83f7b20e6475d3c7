"""The seeded pipeline simulator: contract, determinism, ablations, injected changes, ground truth.

The demo preset is generated once per module (a few seconds) and checked from its files, as relcheck's
ingest would read them. The large preset is only smoke-tested at a tiny size (its real size is the
benchmark's business).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import tomllib
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from dashboard.errors import RelcheckError
from dashboard.simulator.core import (
    CANDIDATE_VERSIONS,
    COMPONENTS,
    CURRENT_VERSIONS,
    SampleResult,
    exact_shapley,
    generate,
    load_settings,
    poisson_quantile,
)

REPO = Path(__file__).resolve().parents[2]
STAKEHOLDERS = REPO / "sample_data" / "stakeholders.toml"
ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")

VISITS_SCHEMA = {
    "place_id": pa.string(),
    "date": pa.date32(),
    "source": pa.string(),
    "visits": pa.float64(),
    "raw_visits": pa.int64(),
    "segment": pa.string(),
}
PLACES_SCHEMA = {
    "place_id": pa.string(),
    "name": pa.string(),
    "brand": pa.string(),
    "category": pa.string(),
    "region": pa.string(),
    "city": pa.string(),
    "sub_category": pa.string(),
    "parent_place_id": pa.string(),
    "latitude": pa.float64(),
    "longitude": pa.float64(),
}


@pytest.fixture(scope="module")
def demo(demo_sample: tuple[SampleResult, list[tuple[str, int, int]]]) -> SampleResult:
    result, calls = demo_sample
    writes = [c for c in calls if c[0] == "write releases"]
    assert writes and writes[-1][1] == writes[-1][2] == len(result.release_dirs)
    return result


@pytest.fixture(scope="module")
def truth(demo: SampleResult) -> dict:
    return json.loads(demo.ground_truth.read_text())


def _manifest(folder: Path) -> dict:
    return tomllib.loads((folder / "release.toml").read_text())


def _total(folder: Path, where: str = "true") -> float:
    return duckdb.sql(f"select coalesce(sum(visits), 0) from '{folder}/visits.parquet' where {where}").fetchall()[0][0]


def _rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(a), abs(b), 1e-12)


# ---------------------------------------------------------------------------------------------------------
# Releases and the data contract
# ---------------------------------------------------------------------------------------------------------


def test_releases_in_ingest_order(demo: SampleResult) -> None:
    ids = demo.release_ids
    assert ids[:4] == ["2026.08.0", "2026.09.0", "2026.10.0", "2026.11.0"]
    assert demo.current_id == "2026.10.0" and demo.candidate_id == "2026.11.0"
    assert len(ids) == 4 + 2 * len(COMPONENTS) + 4 + 3
    assert ids[14:] == ["2026.04.0", "2026.05.0", "2026.06.0", "2026.07.0",
                        "2026.10.0-rep1", "2026.10.0-rep2", "2026.10.0-rep3"]
    assert [d.name for d in demo.release_dirs] == ids
    kinds = [_manifest(d)["kind"] for d in demo.release_dirs]
    assert kinds == ["release"] * 4 + ["ablation"] * 10 + ["release"] * 4 + ["replicate"] * 3
    assert demo.ground_truth == demo.out_dir / "ground_truth.json"


def test_manifests(demo: SampleResult) -> None:
    for folder in demo.release_dirs:
        m = _manifest(folder)
        assert m["release_id"] == folder.name and ID_RE.fullmatch(m["release_id"])
        assert isinstance(m["created_at"], dt.datetime) and m["created_at"].tzinfo is not None
        assert m["description"].strip()
        assert list(m["components"]) == list(COMPONENTS)
        if m["kind"] in ("ablation", "replicate"):
            assert m["base"] == demo.current_id
        else:
            assert "base" not in m
    assert _manifest(demo.out_dir / demo.current_id)["components"] == CURRENT_VERSIONS
    assert _manifest(demo.out_dir / demo.candidate_id)["components"] == CANDIDATE_VERSIONS


@pytest.mark.parametrize("index", [*range(14), 14, 18])
def test_contract(demo: SampleResult, index: int) -> None:
    folder = demo.release_dirs[index]
    visits, places = folder / "visits.parquet", folder / "places.parquet"
    vs = pq.read_schema(visits)
    assert {f.name: f.type for f in vs} == VISITS_SCHEMA
    ps = pq.read_schema(places)
    assert {f.name: f.type for f in ps} == PLACES_SCHEMA
    con = duckdb.connect()
    con.sql(f"create view v as select * from '{visits}'")
    con.sql(f"create view p as select * from '{places}'")
    n, distinct = con.sql("select count(*), count(distinct (place_id, date, source, segment)) from v").fetchall()[0]
    assert n == distinct > 0
    bad = con.sql("""select count(*) from v where place_id is null or place_id = '' or date is null
                     or source is null or source = '' or segment is null or visits is null
                     or not isfinite(visits) or visits < 0 or raw_visits is null or raw_visits < 0""").fetchall()[0][0]
    assert bad == 0
    assert con.sql("select count(*) from v anti join p using (place_id)").fetchall()[0][0] == 0
    n_places, distinct_places, bad_places = con.sql("""select count(*), count(distinct place_id),
        count(*) filter (where place_id = '' or category is null or region is null or latitude not between -90 and 90
                         or longitude not between -180 and 180) from p""").fetchall()[0]
    assert n_places == distinct_places and bad_places == 0
    assert con.sql("select count(*) from p where parent_place_id is not null and parent_place_id not in "
                   "(select place_id from p)").fetchall()[0][0] == 0
    m = _manifest(folder)
    first, last = con.sql("select min(date), max(date) from v").fetchall()[0]
    assert first == dt.date(2026, 4, 13) and first.weekday() == 0
    history = ("2026.04.0", "2026.05.0", "2026.06.0", "2026.07.0", "2026.08.0", "2026.09.0")
    expected_last = dt.date(2026, 7, 26) if m["release_id"] in history else dt.date(2026, 8, 2)
    assert last == expected_last


@pytest.mark.parametrize("index", [0, 2, 3, 4])
def test_rows_sorted(demo: SampleResult, index: int) -> None:
    """Rows are sorted by place_id, date, source, segment (one code path writes every release)."""
    table = pq.read_table(demo.release_dirs[index] / "visits.parquet", columns=["place_id", "date", "source", "segment"])
    order = pc.sort_indices(table, sort_keys=[(c, "ascending") for c in table.column_names])
    assert order.equals(pa.array(np.arange(len(table)), type=order.type))


def test_world_shape(demo: SampleResult) -> None:
    con = duckdb.connect()
    cur = demo.out_dir / demo.current_id
    n_places, n_regions, n_cats, n_brands = con.sql(
        f"select count(*), count(distinct region), count(distinct category), count(distinct brand) "
        f"from '{cur}/places.parquet'").fetchall()[0]
    assert 400 <= n_places <= 600 and n_regions == 5 and 10 <= n_cats <= 12 and n_brands >= 20
    sources, segments = con.sql(f"select count(distinct source), count(distinct segment) "
                                f"from '{cur}/visits.parquet'").fetchall()[0]
    assert (sources, segments) == (4, 3)
    independents = con.sql(f"select count(*) from '{cur}/places.parquet' where brand is null").fetchall()[0][0]
    assert independents > 0.2 * n_places


SMALL = {"places": 150, "weeks": 4, "chunk_places": 40}


def _files(root: Path) -> dict[Path, bytes]:
    return {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_deterministic(tmp_path: Path) -> None:
    """Two runs with the same settings write byte-identical files (several place chunks per release)."""
    first = generate(tmp_path / "a", overrides=SMALL)
    second = generate(tmp_path / "b", overrides=SMALL)
    assert first.release_ids == second.release_ids
    a, b = _files(first.out_dir), _files(second.out_dir)
    assert a.keys() == b.keys() and len(a) == 3 * len(first.release_ids) + 1
    for rel in a:
        assert a[rel] == b[rel], rel


def test_chunking_does_not_change_the_data(tmp_path: Path) -> None:
    """The large preset writes in place chunks; chunk size must not change a single value."""
    small = generate(tmp_path / "a", overrides=SMALL)
    whole = generate(tmp_path / "b", overrides={**SMALL, "chunk_places": 10_000})
    for x, y in zip(small.release_dirs, whole.release_dirs, strict=True):
        assert pq.read_table(x / "visits.parquet").equals(pq.read_table(y / "visits.parquet")), x.name
    # Totals are summed chunk by chunk, so only the last bits may differ.
    x = json.loads(small.ground_truth.read_text())["attribution_truth"]["scopes"]["all"]["v"]
    y = json.loads(whole.ground_truth.read_text())["attribution_truth"]["scopes"]["all"]["v"]
    assert [e["total"] for e in x] == pytest.approx([e["total"] for e in y], rel=1e-12)


# ---------------------------------------------------------------------------------------------------------
# Ablations and injected changes
# ---------------------------------------------------------------------------------------------------------


def test_ablations_swap_one_component_or_all_but_one(demo: SampleResult) -> None:
    cur = _manifest(demo.out_dir / demo.current_id)["components"]
    cand = _manifest(demo.out_dir / demo.candidate_id)["components"]
    assert all(cur[c] != cand[c] for c in COMPONENTS)
    for comp in COMPONENTS:
        one = _manifest(demo.out_dir / f"{demo.candidate_id}-abl-{comp}")["components"]
        assert {c for c in COMPONENTS if one[c] != cur[c]} == {comp} and one[comp] == cand[comp]
        but = _manifest(demo.out_dir / f"{demo.candidate_id}-abl-all-but-{comp}")["components"]
        assert {c for c in COMPONENTS if but[c] != cur[c]} == set(COMPONENTS) - {comp}
        assert all(but[c] == cand[c] for c in COMPONENTS if c != comp)


def _cells(folder: Path, common_with: Path | None = None) -> dict[tuple[str, str, bool], float]:
    """Visits per source x region x (after the device-loss date), optionally on places both releases list."""
    only = f"where place_id in (select place_id from '{common_with}/places.parquet')" if common_with else ""
    rows = duckdb.sql(f"""select source, p.region, date >= DATE '2026-06-11' as after, sum(visits)
                          from '{folder}/visits.parquet' v join '{folder}/places.parquet' p using (place_id)
                          {only} group by all""").fetchall()
    return {(s, r, a): t for s, r, a, t in rows}


def test_device_loss_appears_in_the_data(demo: SampleResult) -> None:
    cur_dir, cand_dir = demo.out_dir / demo.current_id, demo.out_dir / demo.candidate_id
    cur = _cells(cur_dir)
    swap = _cells(demo.out_dir / f"{demo.candidate_id}-abl-source_ingest")
    # The one-swap run: exactly the sdk_beta x W cells after the date move, by about 20%.
    for key, value in cur.items():
        if key == ("sdk_beta", "W", True):
            assert swap[key] / value == pytest.approx(0.8, abs=0.01)
        else:
            assert swap[key] == pytest.approx(value, rel=1e-12), key
    # The candidate, on the places both releases list (openings and closings are steps of their own): the
    # drop shows as a step at the date, net of the candidate's other changes, which are steady in time.
    cur, cand = _cells(cur_dir, cand_dir), _cells(cand_dir, cur_dir)

    def step(source: str, region: str) -> float:
        return (cand[(source, region, True)] / cur[(source, region, True)]) / (
            cand[(source, region, False)] / cur[(source, region, False)])

    assert step("sdk_beta", "W") == pytest.approx(0.8, abs=0.03)
    for source in ("bidstream_x", "sdk_alpha", "telco_y"):
        assert step(source, "W") == pytest.approx(1.0, abs=0.03)
    for region in ("NE", "SE", "MW", "SW"):
        for source in ("bidstream_x", "sdk_alpha", "sdk_beta", "telco_y"):
            assert step(source, region) == pytest.approx(1.0, abs=0.03), (source, region)


def test_stop_detection_swap_is_a_negative_control(demo: SampleResult) -> None:
    cur = pq.read_table(demo.out_dir / demo.current_id / "visits.parquet")
    swap = pq.read_table(demo.out_dir / f"{demo.candidate_id}-abl-stop_detection" / "visits.parquet")
    assert cur.equals(swap)
    without = pq.read_table(demo.out_dir / f"{demo.candidate_id}-abl-all-but-stop_detection" / "visits.parquet")
    assert without.equals(pq.read_table(demo.out_dir / demo.candidate_id / "visits.parquet"))


def test_poi_db_changes_show_in_places(demo: SampleResult, truth: dict) -> None:
    cur = pq.read_table(demo.out_dir / demo.current_id / "places.parquet").to_pandas().set_index("place_id")
    cand = pq.read_table(demo.out_dir / demo.candidate_id / "places.parquet").to_pandas().set_index("place_id")
    changes = {c["kind"]: c for c in truth["changes"]}
    opened, closed = changes["places_opened"]["place_ids"], changes["places_closed"]["place_ids"]
    assert opened and closed
    assert all(p in cand.index and p not in cur.index for p in opened)
    assert all(p in cur.index and p not in cand.index for p in closed)
    pairs = changes["places_rekeyed"]["pairs"]
    assert pairs
    for pair in pairs:
        a, b = cur.loc[pair["current"]], cand.loc[pair["candidate"]]
        assert pair["current"] not in cand.index and pair["candidate"] not in cur.index
        assert (a["name"], a["region"], a["brand"]) == (b["name"], b["region"], b["brand"])
    relabel = changes["category_relabel"]
    for p in relabel["place_ids"]:
        assert cur.loc[p, "category"] == relabel["from_category"]
        assert cand.loc[p, "category"] == relabel["to_category"]
    park = changes["new_polygons"]
    assert set(cand.loc[park["place_ids"], "brand"]) == set(park["brands"])
    for brand, pct in park["expected"]["level_change_pct_by_brand_in_one_swap_run"].items():
        assert 8 <= pct <= 15, brand


def test_changes_are_owned_by_components(truth: dict) -> None:
    owners = {c["component"] for c in truth["changes"]}
    assert owners == set(COMPONENTS)
    by_kind = {c["kind"]: c for c in truth["changes"]}
    loss = by_kind["source_device_loss"]
    assert (loss["component"], loss["source"], loss["region"], loss["date"]) == ("source_ingest", "sdk_beta", "W",
                                                                               "2026-06-11")
    assert loss["expected"]["level_change_pct_in_one_swap_run"] == pytest.approx(-20, abs=1)
    assert by_kind["negative_control"]["component"] == "stop_detection"
    assert by_kind["attribution_method"]["expected"]["net_level_change_pct_in_one_swap_run"] == pytest.approx(0, abs=2)
    assert by_kind["attribution_method"]["expected"]["absolute_redistribution_pct"] > 2
    assert by_kind["normalization_base"]["expected"]["raw_visits_change"] == 0


def test_normalization_swap_leaves_raw_visits(demo: SampleResult) -> None:
    cur = demo.out_dir / demo.current_id / "visits.parquet"
    swap = demo.out_dir / f"{demo.candidate_id}-abl-normalization" / "visits.parquet"
    n_cur, n_swap, same_raw, same_visits = duckdb.sql(f"""
        select (select count(*) from '{cur}'), (select count(*) from '{swap}'),
               count(*) filter (where a.raw_visits = b.raw_visits), count(*) filter (where a.visits = b.visits)
        from '{cur}' a join '{swap}' b using (place_id, date, source, segment)""").fetchall()[0]
    assert n_cur == n_swap == same_raw
    assert same_visits < n_cur


# ---------------------------------------------------------------------------------------------------------
# Ground truth
# ---------------------------------------------------------------------------------------------------------


def test_ground_truth_shapley_is_exact(truth: dict) -> None:
    assert truth["pair"] == {"current": "2026.10.0", "candidate": "2026.11.0"}
    assert truth["components"] == list(COMPONENTS)
    scopes = truth["attribution_truth"]["scopes"]
    assert {"all", "region:W", "category:Grocery Stores", "brand:FreshCo", "source:sdk_beta",
            "segment:visitors"} <= set(scopes)
    n = len(COMPONENTS)
    for name, block in scopes.items():
        v = [e["total"] for e in sorted(block["v"], key=lambda e: e["mask"])]
        assert len(v) == 2**n
        phi = block["shapley"]
        delta = v[-1] - v[0]
        assert sum(phi.values()) == pytest.approx(delta, abs=1e-6 * max(1.0, abs(v[0]))), name
        assert phi["stop_detection"] == 0.0, name
        assert list(phi.values()) == pytest.approx(exact_shapley(v, n), abs=1e-6), name
    # Interactions exist, but the main effects dominate.
    block = scopes["all"]
    assert abs(block["first_order_interaction"]) > 1e-4 * block["v_current"]
    assert abs(block["paired_oat_interaction"]) < 0.5 * max(abs(x) for x in block["shapley"].values())
    assert scopes["region:W"]["shapley"]["source_ingest"] < 0
    assert all(abs(scopes[f"region:{r}"]["shapley"]["source_ingest"]) < 1e-6 for r in ("NE", "SE", "MW", "SW"))


def test_written_runs_reproduce_the_lattice(demo: SampleResult, truth: dict) -> None:
    block = truth["attribution_truth"]["scopes"]["all"]
    v = {e["mask"]: e["total"] for e in block["v"]}
    full = (1 << len(COMPONENTS)) - 1
    assert _total(demo.out_dir / demo.current_id) == pytest.approx(v[0], rel=1e-9)
    assert _total(demo.out_dir / demo.candidate_id) == pytest.approx(v[full], rel=1e-9)
    for i, comp in enumerate(COMPONENTS):
        assert _total(demo.out_dir / f"{demo.candidate_id}-abl-{comp}") == pytest.approx(v[1 << i], rel=1e-9)
        assert _total(demo.out_dir / f"{demo.candidate_id}-abl-all-but-{comp}") == pytest.approx(
            v[full & ~(1 << i)], rel=1e-9)


def test_exact_shapley_on_a_known_game() -> None:
    # v(S) = 3*[a] + 5*[b] + 2*[a and b]: the interaction is split evenly.
    v = [0.0, 3.0, 5.0, 10.0]
    assert exact_shapley(v, 2) == pytest.approx([4.0, 6.0])


# ---------------------------------------------------------------------------------------------------------
# The stakeholders sample
# ---------------------------------------------------------------------------------------------------------


def test_stakeholders_refer_to_the_simulated_world(demo: SampleResult) -> None:
    doc = tomllib.loads(STAKEHOLDERS.read_text())
    places = pq.read_table(demo.out_dir / demo.current_id / "places.parquet").to_pandas()
    brands, regions = set(places["brand"].dropna()), set(places["region"])
    categories, ids = set(places["category"]), set(places["place_id"])
    assert 12 <= len(doc["customers"]) <= 20 and 4 <= len(doc["deals"]) <= 6 and 8 <= len(doc["criteria"]) <= 12
    assert {c["tier"] for c in doc["customers"]} == {"key", "standard"}
    assert {d["stage"] for d in doc["deals"]} == {"trial", "negotiation", "closing"}
    for c in doc["customers"]:
        assert set(c.get("brands", [])) | set(c.get("competitors", [])) <= brands, c["id"]
        assert set(c.get("regions", [])) <= regions, c["id"]
        assert set(c.get("place_ids", [])) <= ids, c["id"]
        assert c.get("brands") or c.get("place_ids"), c["id"]
    for d in doc["deals"]:
        assert set(d.get("categories", [])) <= categories, d["id"]
        assert set(d.get("regions", [])) <= regions, d["id"]
        assert set(d.get("brands", [])) <= brands, d["id"]
        assert set(d.get("place_ids", [])) <= ids, d["id"]
    # A trial deal sits in the region that loses devices.
    assert any(d["stage"] == "trial" and "W" in d["regions"] for d in doc["deals"])
    for crit in doc["criteria"]:
        assert crit["severity"] in ("block", "warn") and ("min" in crit or "max" in crit)
    try:
        from dashboard.stakeholders import load_stakeholders
    except ImportError:  # pragma: no cover - the loader lives in another module
        return
    loaded = load_stakeholders(STAKEHOLDERS)
    assert len(loaded.customers) == len(doc["customers"])


# ---------------------------------------------------------------------------------------------------------
# Settings, the large preset, helpers
# ---------------------------------------------------------------------------------------------------------


def test_large_preset_smoke(tmp_path: Path) -> None:
    result = generate(tmp_path / "large", preset="large", overrides={"places": 200, "days": 14})
    assert result.release_ids == ["2026.10.0", "2026.11.0"]
    schema = pq.read_schema(result.release_dirs[0] / "visits.parquet")
    assert "segment" not in schema.names
    n_rows, n_places = duckdb.sql(f"select count(*), count(distinct place_id) "
                                  f"from '{result.release_dirs[0]}/visits.parquet'").fetchall()[0]
    assert n_places == 200 and n_rows == 200 * 14 * 4
    truth = json.loads(result.ground_truth.read_text())
    phi = truth["attribution_truth"]["scopes"]["all"]["shapley"]
    block = truth["attribution_truth"]["scopes"]["all"]
    assert sum(phi.values()) == pytest.approx(block["delta"], abs=1e-6 * block["v_current"])
    assert _total(result.release_dirs[1]) == pytest.approx(block["v_candidate"], rel=1e-9)


def test_settings_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('seed = 1\n[changes.device_loss]\nsorce = "sdk_beta"\n')
    with pytest.raises(RelcheckError, match="sorce"):
        load_settings(settings_path=bad)
    with pytest.raises(RelcheckError, match="not found"):
        load_settings(settings_path=tmp_path / "missing.toml")
    with pytest.raises(RelcheckError, match="unknown simulator setting"):
        load_settings(overrides={"placez": 10})
    with pytest.raises(RelcheckError, match="preset"):
        load_settings("huge")
    s = load_settings(overrides={"weeks": 2})
    assert s.days == 14 and s.start <= s.loss_date < s.start + dt.timedelta(days=14)


def test_poisson_quantile() -> None:
    u = (np.arange(20000) + 0.5) / 20000
    for lam in (0.3, 3.0, 25.0, 80.0):
        k = poisson_quantile(u, np.full(u.shape, lam))
        assert k.mean() == pytest.approx(lam, rel=0.02, abs=0.01)
        assert k.var() == pytest.approx(lam, rel=0.05, abs=0.02)
    lams = np.linspace(0, 60, 400)
    for x in (0.1, 0.5, 0.93):
        k = poisson_quantile(np.full(lams.shape, x), lams)
        assert np.all(np.diff(k) >= 0)
    assert poisson_quantile(np.array([0.7]), np.array([0.0]))[0] == 0
    assert not math.isnan(float(poisson_quantile(np.array([1 - 1e-15]), np.array([40.0]))[0]))


# ---------------------------------------------------------------------------------------------------------
# The monthly history and the replicates (noise floor)
# ---------------------------------------------------------------------------------------------------------


def test_history_ground_truth_names_the_changed_components(demo: SampleResult, truth: dict) -> None:
    """At least 8 monthly releases; each consecutive pair's changes recomputed from the manifests."""
    history = truth["history"]
    releases = [d for d in demo.release_dirs if _manifest(d)["kind"] == "release"]
    by_time = sorted(releases, key=lambda d: _manifest(d)["created_at"])
    assert history["releases"] == [d.name for d in by_time] and len(by_time) >= 8
    months = [_manifest(d)["created_at"].strftime("%Y-%m") for d in by_time]
    assert len(set(months)) == len(months)
    for pair, (a, b) in zip(history["pairs"], zip(by_time, by_time[1:], strict=False), strict=True):
        ca, cb = _manifest(a)["components"], _manifest(b)["components"]
        assert (pair["current"], pair["candidate"]) == (a.name, b.name)
        assert pair["changed"] == [c for c in COMPONENTS if ca[c] != cb[c]]
        assert set(pair["effective"]) <= set(pair["changed"]) and pair["quiet"] == (not pair["effective"])
    quiet = [p for p in history["pairs"] if p["quiet"]]
    loud = [p for p in history["pairs"] if p["effective"]]
    assert len(quiet) >= 2 and len(loud) >= 3
    # A version bump without a behaviour change is in "changed" only (poi_db 2026-03 -> 2026-07).
    assert any(set(p["changed"]) - set(p["effective"]) for p in history["pairs"])


def test_quiet_history_pair_differs_by_sampling_only(demo: SampleResult, truth: dict) -> None:
    pair = next(p for p in truth["history"]["pairs"] if p["quiet"] and not p["changed"])
    a, b = demo.out_dir / pair["current"], demo.out_dir / pair["candidate"]
    assert pq.read_table(a / "places.parquet").equals(pq.read_table(b / "places.parquet"))
    ta, tb = _total(a), _total(b)
    assert ta != tb and _rel(ta, tb) < 0.01


def _level_change(base: Path, rep: Path, where: str = "true") -> float:
    a, b = _total(base, where), _total(rep, where)
    return 100.0 * (b - a) / a


def test_replicates_rerun_the_current_release(demo: SampleResult, truth: dict) -> None:
    reps = truth["replicates"]
    assert reps["base"] == demo.current_id and len(reps["release_ids"]) >= 3
    cur = demo.out_dir / demo.current_id
    places = pq.read_table(cur / "places.parquet")
    for rid in reps["release_ids"]:
        m = _manifest(demo.out_dir / rid)
        assert (m["kind"], m["base"], m["components"]) == ("replicate", demo.current_id, CURRENT_VERSIONS)
        assert pq.read_table(demo.out_dir / rid / "places.parquet").equals(places)
    spread = reps["expected_level_change_sd_pct"]
    # Sampling makes small scopes noisier: a brand's expected spread is above the whole world's.
    assert spread["all"] < spread["region:W"] < spread["brand:FreshCo"]
    # The measured spread agrees with the simulator's: |level change| of the whole world stays within 4 sd,
    # and over the three replicates and five regions the mean squared change is near 1 sd^2.
    z2 = []
    for rid in reps["release_ids"]:
        rep = demo.out_dir / rid
        assert abs(_level_change(cur, rep)) < 4 * spread["all"]
        for region in ("NE", "SE", "MW", "SW", "W"):
            where = f"place_id in (select place_id from '{cur}/places.parquet' where region = '{region}')"
            z2.append((_level_change(cur, rep, where) / spread[f"region:{region}"]) ** 2)
    assert 0.2 < sum(z2) / len(z2) < 3.0
