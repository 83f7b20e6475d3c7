"""One split by source for every scope kind: the sources' deltas sum to the scope's delta, computed here
independently from the Parquet files, and the batched split (the gate's) equals the single-scope one."""

from __future__ import annotations

import duckdb
import pytest

from dashboard.attribution import core as at
from dashboard.engine.scopes import INDEPENDENT, ScopeDef, resolve_scope
from dashboard.engine.session import PairSession
from dashboard.paths import sample_data_dir
from dashboard.stakeholders import load_stakeholders
from dashboard.store.catalog import Store

KINDS = ("all", "customer", "deal", "category", "region", "brand", "place", "source", "segment")


def scope_of(store: Store, kind: str) -> ScopeDef:
    """One scope of each kind in the sample: the first stakeholder, or a value of the current release."""
    sh = load_stakeholders(sample_data_dir() / "stakeholders.toml")
    if kind == "all":
        return resolve_scope("all", sh)
    if kind in ("customer", "deal"):
        first = (sh.customers if kind == "customer" else sh.deals)[0]
        return resolve_scope(f"{kind}:{first.id}", sh)
    rel = store.release(store.current_id())
    column = {"category": "category", "region": "region", "brand": "brand", "place": "place_id"}.get(kind)
    if column is not None:
        value = duckdb.sql(f"SELECT min({column}) FROM read_parquet($p)", params={"p": str(rel.places_path)}).fetchall()[0][0]
    else:
        value = rel.sources[-1] if kind == "source" else rel.segments[0]
    return resolve_scope(f"{kind}:{value}", sh)


def independent_total(store: Store, release_id: str, sd: ScopeDef, start: object, end: object) -> float:
    """The scope's visits over the window, from the release's files, with the scope's rules written anew."""
    rel = store.release(release_id)
    frame = duckdb.sql(
        "SELECT v.source, v.segment, v.visits, p.place_id, p.category, p.region, p.brand "
        "FROM read_parquet($v) AS v JOIN read_parquet($p) AS p USING (place_id) "
        "WHERE v.date BETWEEN $start AND $end",
        params={"v": str(rel.visits_path), "p": str(rel.places_path), "start": start, "end": end},
    ).df()
    brand = frame["brand"].fillna(INDEPENDENT)
    if sd.kind == "all":
        keep = frame["visits"].notna()
    elif sd.kind in ("category", "region"):
        keep = frame[sd.kind] == sd.value
    elif sd.kind == "brand":
        keep = brand == sd.value
    elif sd.kind == "place":
        keep = frame["place_id"] == sd.value
    elif sd.kind in ("source", "segment"):
        keep = frame[sd.kind] == sd.value
    else:  # a customer (brands, optionally in regions) or a deal (every non-empty filter), plus named places
        by_place = frame["place_id"].isin(sd.place_ids)
        in_brands = frame["brand"].isin(sd.brands)
        in_regions = frame["region"].isin(sd.regions) if sd.regions else True
        if sd.mode == "customer":
            keep = (in_brands & in_regions) | by_place
        else:
            cats = frame["category"].isin(sd.categories) if sd.categories else True
            brands = in_brands if sd.brands else True
            any_filter = bool(sd.brands or sd.regions or sd.categories)
            keep = ((brands & in_regions & cats) if any_filter else False) | by_place
    return float(frame.loc[keep, "visits"].sum())


@pytest.mark.parametrize("kind", KINDS)
def test_the_split_by_source_sums_to_the_delta_for_every_scope_kind(sample_store: Store, kind: str) -> None:
    store = sample_store
    current, candidate = store.pair()
    sd = scope_of(store, kind)
    with PairSession(store, current, candidate) as s:
        window = s.window
        batched = at.source_deltas(s, [sd])[sd.scope_id]
    split = at.by_source(store, current, candidate, sd)
    expected = (independent_total(store, candidate, sd, window.start, window.end)
                - independent_total(store, current, sd, window.start, window.end))
    scale = 1e-9 * max(1.0, abs(split.total_delta), sum(abs(r.visits_current) for r in split.rows))
    assert split.total_delta == pytest.approx(expected, abs=scale), kind
    assert sum(r.delta for r in split.rows) == pytest.approx(expected, abs=scale), kind
    assert sum(x["delta"] for x in batched) == pytest.approx(expected, abs=scale), kind
    # The batched split (the gate's cause) is the same split, source by source, in the same order.
    assert [x["source"] for x in batched] == [r.source for r in split.rows]
    for x, r in zip(batched, split.rows, strict=True):
        assert (x["current"], x["candidate"]) == pytest.approx((r.visits_current, r.visits_candidate), abs=scale)
    if kind in ("source", "segment"):  # a row scope keeps only its own rows: one source, or the group's sources
        assert split.rows and (kind == "segment" or [r.source for r in split.rows] == [sd.value])
    assert any(r.delta != 0 for r in split.rows) or expected == 0



@pytest.mark.parametrize("kind", ["all", "customer", "deal", "category", "region", "source", "segment"])
def test_the_cube_from_cells_is_the_cube_from_sql(sample_store: Store, kind: str) -> None:
    """The gate's causes sum the dimension cube from the finest cells (one query); it must equal the cube
    attr_dimension_totals computes, element by element, and give Adtributor the same answer."""
    from dashboard.attribution.algorithms import root_causes_of
    from dashboard.attribution.totals import cube_of_cells, dimension_cube, scope_cells

    sd = scope_of(sample_store, kind)
    with PairSession(sample_store, *sample_store.pair()) as session:
        sql = dimension_cube(session, sd)
        cells = cube_of_cells(scope_cells(session, sd))
    assert cells.visits_current == pytest.approx(sql.visits_current, rel=1e-12)
    assert cells.visits_candidate == pytest.approx(sql.visits_candidate, rel=1e-12)
    assert set(cells.cubes) == set(sql.cubes)
    for dims, elements in sql.cubes.items():
        ours = cells.elements(*dims)
        assert {k for k, (a, b) in elements.items() if a or b} <= set(ours), dims
        assert all(v == (0.0, 0.0) for k, v in ours.items() if k not in elements), dims
        for key, (a, b) in elements.items():
            got = ours.get(key, (0.0, 0.0))
            assert got[0] == pytest.approx(a, rel=1e-12, abs=1e-9) and got[1] == pytest.approx(b, rel=1e-12, abs=1e-9)
    assert bool(root_causes_of(cells).sets) == bool(root_causes_of(sql).sets)


def test_the_cells_of_many_scopes_are_each_scopes_cells(sample_store: Store) -> None:
    """The gate reads every failing scope's cells in one query; each scope's rows equal its own query's."""
    from dashboard.attribution.totals import scope_cells, scope_cells_many

    defs = [scope_of(sample_store, k) for k in ("all", "customer", "deal", "category", "source", "segment")]
    with PairSession(sample_store, *sample_store.pair()) as session:
        many = scope_cells_many(session, defs)
        for sd in defs:
            one = scope_cells(session, sd)
            assert len(many[sd.scope_id]) == len(one) > 0
            for got, want in zip(many[sd.scope_id], one, strict=True):
                assert {k: got[k] for k in ("source", "region", "category", "brand", "segment")} == \
                       {k: want[k] for k in ("source", "region", "category", "brand", "segment")}
                assert got["visits_current"] == pytest.approx(want["visits_current"], rel=1e-12)
                assert got["visits_candidate"] == pytest.approx(want["visits_candidate"], rel=1e-12)
