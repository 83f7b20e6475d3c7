"""The comparison session reuses its cursor: a second preparation must not see the first one's tables."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest

from dashboard.engine import metrics
from dashboard.engine.scopes import simple_scope
from dashboard.engine.session import PairSession, Window
from dashboard.store.catalog import Store


def _values(session: PairSession) -> dict[str, dict]:
    return {m.scope.scope_id: m.values for m in metrics.compute(session)}


def test_a_second_prepare_on_one_session_equals_a_fresh_session(sample_store: Store) -> None:
    current, candidate = "2026.10.0", "2026.11.0"
    with PairSession(sample_store, current, candidate) as s:
        regions = [simple_scope("region", r) for r in s.values("region")]
        categories = [simple_scope("category", c) for c in s.values("category")][:3]
    first = [simple_scope("all"), *regions]
    second = [*categories, simple_scope("source", "sdk_beta")]
    with PairSession(sample_store, current, candidate) as reused:
        reused.prepare(first)
        before = _values(reused)
        reused.prepare(second)  # members, place totals and aggregates are made again under the same names
        after = _values(reused)
        reused.source_totals()
        reused.prepare(first)
        again = _values(reused)
    with PairSession(sample_store, current, candidate) as fresh:
        fresh.prepare(second)
        expected = _values(fresh)
    # Independently of the session: each release's visits per region, straight from its Parquet files.
    for side, release in (("visits_current", current), ("visits_candidate", candidate)):
        rel = sample_store.release(release)
        direct = dict(duckdb.sql(
            "SELECT 'region:' || p.region, sum(v.visits) FROM read_parquet($visits) AS v "
            "JOIN read_parquet($places) AS p USING (place_id) GROUP BY ALL",
            params={"visits": str(rel.visits_path), "places": str(rel.places_path)},
        ).fetchall())
        for scope_id, total in direct.items():
            assert before[scope_id][side] == pytest.approx(total, rel=1e-12), (side, scope_id)
    assert set(after) == {d.scope_id for d in second}
    assert after == expected
    assert again == before


def test_the_catalog_gives_the_same_window_and_row_values_as_a_scan(sample_store: Store) -> None:
    """The window and the sources/segments come from the catalog (no scan): they must equal the files'."""
    current, candidate = "2026.10.0", "2026.11.0"
    files = {rid: sample_store.release(rid) for rid in (current, candidate)}
    dates = [duckdb.sql("SELECT min(date), max(date) FROM read_parquet($p)",
                        params={"p": str(r.place_daily_path)}).fetchall()[0] for r in files.values()]
    with PairSession(sample_store, current, candidate) as s:
        assert (s.window.start, s.window.end) == (max(d[0] for d in dates), min(d[1] for d in dates))
        for kind in ("source", "segment"):
            scanned = set()
            for r in files.values():
                scanned |= {v for (v,) in duckdb.sql(f"SELECT DISTINCT {kind} FROM read_parquet($p)",
                                                     params={"p": str(r.visits_path)}).fetchall() if v is not None}
            assert s.values(kind) == sorted(scanned) and scanned, kind


def test_labels_come_from_one_scan_and_equal_each_kinds_own_query(sample_store: Store) -> None:
    """Categories, regions and brands are listed together; each must equal its own scan of the places files,
    null brands as "(independent)"."""
    current, candidate = "2026.10.0", "2026.11.0"
    paths = [str(sample_store.release(rid).places_path) for rid in (current, candidate)]
    exprs = {"category": "category", "region": "region", "brand": "COALESCE(brand, '(independent)')"}
    with PairSession(sample_store, current, candidate) as s:
        for kind, expr in exprs.items():
            scanned = {v for (v,) in duckdb.sql(f"SELECT DISTINCT {expr} FROM read_parquet($p)",
                                                params={"p": paths}).fetchall() if v is not None}
            assert s.values(kind) == sorted(scanned) and scanned, kind
        assert "(independent)" in s.values("brand")


def test_places_present_names_only_the_existing_ones(sample_store: Store) -> None:
    with PairSession(sample_store, "2026.10.0", "2026.11.0") as s:
        every = s.values("place")
        wanted = {every[0], every[-1], "no-such-place", every[0].upper() + "x"}
        assert s.places_present(wanted) == {every[0], every[-1]}
        assert s.places_present(set()) == set()


@pytest.mark.parametrize("label", ["category", "region", "brand"])
def test_a_comparison_by_label_reads_the_label_rollup_and_gets_the_place_day_figures(
        sample_store: Store, label: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """label_daily.parquet must give exactly what joining every place-day to its place gives."""
    current, candidate = "2026.10.0", "2026.11.0"
    with PairSession(sample_store, current, candidate) as s:
        assert s.label_rollup("a") is not None and s.label_rollup("b") is not None
        defs = [simple_scope(label, v) for v in s.values(label)]
        s.prepare(defs, by_attribute=label)
        with_rollup = s.engine.run("series_daily_of_scope", inputs={"daily_series": "daily_series"},
                                   scope_id=defs[0].scope_id).rows()
        rolled = _values(s)
    monkeypatch.setattr(PairSession, "label_rollup", lambda self, side: None)
    with PairSession(sample_store, current, candidate) as s:
        s.prepare(defs, by_attribute=label)
        joined = _values(s)
        without = s.engine.run("series_daily_of_scope", inputs={"daily_series": "daily_series"},
                               scope_id=defs[0].scope_id).rows()
    assert rolled == joined and with_rollup == without and len(with_rollup) > 20


def test_a_window_shorter_than_a_release_does_not_use_its_rollups(sample_store: Store) -> None:
    with PairSession(sample_store, "2026.10.0", "2026.11.0") as whole:
        start, end = whole.window.start, whole.window.end
    short = Window(start, end - dt.timedelta(days=7))
    with PairSession(sample_store, "2026.10.0", "2026.11.0", window=short) as s:
        assert s.label_rollup("a") is None and s.rollup("b") is None


def _build_sides(node: dict) -> list[dict]:
    """Every hash join's build side (its second child) in an EXPLAIN (FORMAT json) plan."""
    found = [node["children"][1]] if node.get("name") == "HASH_JOIN" else []
    for child in node.get("children", []):
        found += _build_sides(child)
    return found


def _tables(node: dict) -> set[str]:
    here = {str(node.get("extra_info", {}).get("Table", ""))}
    return here.union(*(_tables(c) for c in node.get("children", [])))


@pytest.mark.parametrize("with_rows", [False, True], ids=["place scopes", "with a source scope"])
def test_scope_place_totals_stream_the_members_and_build_on_the_places(sample_store: Store, with_rows: bool) -> None:
    """The per-(scope, place) totals probe hash tables of the places; they never hash the members themselves.

    Members are every (scope, place): at 2,000,000 places the gate's 37 scopes have 8 M of them. When DuckDB
    guessed a fifth of that (a filter on the members) it built two hash tables of them in one pipeline and
    the whole-process gate ran out of its 1.2 GB; the places' tables are a few hundred MB at that size.
    """
    with PairSession(sample_store, "2026.10.0", "2026.11.0") as s:
        defs = [simple_scope("all"), *(simple_scope("region", r) for r in s.values("region")),
                *(simple_scope("category", c) for c in s.values("category"))]
        if with_rows:
            defs.append(simple_scope("source", "sdk_beta"))
        s.prepare(defs)
        eng = s.engine
        members = eng.con.execute("SELECT count(*) FROM place_members_a").fetchall()[0][0]
        places = eng.con.execute("SELECT count(*) FROM places_a").fetchall()[0][0]
        assert members > 2 * places  # the members are the big side, as at any size
        eng.register("sp_plan", eng.relation("agg_scope_place_places",
                                             inputs={"place_members_in": "place_members_a",
                                                     "place_totals_in": "place_totals_a", "places_in": "places_a"}))
        plan = json.loads(eng.con.execute("EXPLAIN (FORMAT json) SELECT * FROM sp_plan").fetchall()[0][1])
    builds = [b for root in plan for b in _build_sides(root)]
    assert builds, "no hash join in the plan"
    assert not any("place_members_a" in t for b in builds for t in _tables(b)), builds
