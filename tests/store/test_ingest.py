"""Ingest (DESIGN section 3): good snapshots land complete, with their rollups and coverage; the current release
and the default candidate. Refusals: test_refusals_files.py, test_refusals_rows.py; crash safety and logs:
test_ingest_crash_and_logs.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from snapshots import daily_rows
from store.ingest_support import (
    base_places,
    base_visits,
    snapshot,
    tree_state,
    with_row,
)

from dashboard.errors import NotFoundError, RelcheckError
from dashboard.store.catalog import Store
from dashboard.store.ingest import ingest_release

# ------------------------------------------------------------------ good ingests


def stored_visits(rel: Any) -> pd.DataFrame:
    return duckdb.sql(f"SELECT * FROM '{rel.visits_path}' ORDER BY place_id, date, source, segment").df()


@pytest.mark.parametrize("fmt", ["parquet", "csv", "csv.gz"])
def test_ingest_each_format(tmp_path: Path, store: Store, fmt: str) -> None:
    rows = [{**r, "raw_visits": i} for i, r in enumerate(base_visits())]
    folder = snapshot(tmp_path, visits=rows, fmt=fmt, release_id=f"r-{fmt}")
    assert (folder / f"visits.{fmt}").is_file()
    rel = ingest_release(store, folder)

    assert store.release_ids() == [f"r-{fmt}"]
    assert rel.release_id == f"r-{fmt}" and rel.kind == "release"
    assert rel.components["attribution"] == "point_radius"
    assert rel.created_at == "2026-11-20T10:00:00+00:00"
    got = stored_visits(rel)
    assert list(got.columns) == ["place_id", "date", "source", "visits", "raw_visits", "segment"]
    want = pd.DataFrame(rows).assign(segment="all").sort_values(["place_id", "date", "source"]).reset_index(drop=True)
    assert [d.date() if hasattr(d, "date") else d for d in got["date"]] == list(want["date"])
    assert got["place_id"].tolist() == want["place_id"].tolist()
    assert got["visits"].tolist() == pytest.approx(want["visits"].tolist())
    assert got["raw_visits"].tolist() == want["raw_visits"].tolist()
    assert set(got["segment"]) == {"all"}
    types = {r[0]: r[1] for r in duckdb.sql(f"DESCRIBE SELECT * FROM '{rel.visits_path}'").fetchall()}
    assert types == {"place_id": "VARCHAR", "date": "DATE", "source": "VARCHAR", "visits": "DOUBLE",
                     "raw_visits": "BIGINT", "segment": "VARCHAR"}
    places = duckdb.sql(f"SELECT place_id, brand, latitude FROM '{rel.places_path}' ORDER BY place_id").fetchall()
    assert places == [("p1", "FreshCo", 40.7), ("p2", "ValueMart", 34.0), ("p3", None, -33.9)]


def test_missing_segment_is_stored_as_all(tmp_path: Path, store: Store) -> None:
    rows = base_visits()
    rows = [{**r, "segment": "ios" if i == 0 else ""} for i, r in enumerate(rows)]
    rel = ingest_release(store, snapshot(tmp_path, visits=rows, fmt="csv"))
    counts = dict(duckdb.sql(f"SELECT segment, count(*) FROM '{rel.visits_path}' GROUP BY segment").fetchall())
    assert counts == {"ios": 1, "all": len(rows) - 1}
    assert rel.segments == ("all", "ios")


def test_same_id_twice_is_refused_then_replaced(tmp_path: Path, store: Store) -> None:
    first = ingest_release(store, snapshot(tmp_path, name="v1"))
    second_folder = snapshot(tmp_path, name="v2", visits=with_row(base_visits(), 0, visits=1000.0))

    before = tree_state(store.home)
    with pytest.raises(RelcheckError) as exc:
        ingest_release(store, second_folder)
    assert exc.value.exit_code == 2
    assert "release 'r1' already exists" in str(exc.value) and "--replace" in str(exc.value)
    assert tree_state(store.home) == before

    second = ingest_release(store, second_folder, replace=True)
    assert store.release_ids() == ["r1"]
    # The old folder stays (readers may still use it), marked retired, until a later ingest's sweep.
    assert (first.folder / "visits.parquet").exists() and (first.folder / ".retired").exists()
    assert second.folder.is_dir() and second.folder != first.folder
    assert second.sequence == first.sequence
    assert store.release("r1").folder == second.folder
    catalog = json.loads(store.catalog_path.read_text())
    assert store.home / catalog["releases"]["r1"]["folder"] == second.folder
    manifest = json.loads((second.folder / "manifest.json").read_text())
    assert manifest["checksum"] == second.checksum == catalog["releases"]["r1"]["checksum"]
    assert second.checksum != first.checksum
    assert duckdb.sql(f"SELECT max(visits) FROM '{second.visits_path}'").fetchall()[0][0] == 1000.0
    assert sorted((store.home / "releases" / "r1").iterdir()) == sorted([first.folder, second.folder])
    assert manifest["sequence"] == second.sequence


def test_checksum_follows_the_data(tmp_path: Path) -> None:
    a = ingest_release(Store(tmp_path / "s1"), snapshot(tmp_path, name="a"))
    same = ingest_release(Store(tmp_path / "s2"), snapshot(tmp_path, name="b"))
    changed = ingest_release(Store(tmp_path / "s3"), snapshot(tmp_path, name="c", visits=with_row(base_visits(), 5, visits=8.25)))
    other_places = ingest_release(Store(tmp_path / "s4"), snapshot(tmp_path, name="d", places=with_row(base_places(), 0, name="X")))
    assert a.checksum.startswith("sha256:") and len(a.checksum) == len("sha256:") + 64
    assert same.checksum == a.checksum
    assert len({a.checksum, changed.checksum, other_places.checksum}) == 3


def test_coverage_fields(tmp_path: Path, store: Store) -> None:
    rows = base_visits() + daily_rows("p2", "2026-01-05", [1, 1], source="panel_c", segment="android")
    rel = ingest_release(store, snapshot(tmp_path, visits=rows, description="cover"))
    assert rel.rows == len(rows) == 17
    assert rel.places == 3
    assert (rel.first_date, rel.last_date) == ("2026-01-01", "2026-01-06")
    assert rel.sources == ("panel_c", "sdk_a", "sdk_b")
    assert rel.segments == ("all", "android")
    assert rel.has_raw_visits is False
    assert rel.description == "cover"
    assert rel.folder.parent == store.home / "releases" / "r1"
    manifest = json.loads((rel.folder / "manifest.json").read_text())
    assert manifest["rows"] == 17 and manifest["sources"] == ["panel_c", "sdk_a", "sdk_b"]
    assert manifest["source_folder"] == str((tmp_path / "snap").resolve())
    # Another Store object over the same folder sees the same release.
    assert Store(store.home).release("r1") == rel


def test_place_daily_rollup_is_exact(tmp_path: Path, store: Store) -> None:
    rows = (
        [{**r, "raw_visits": 2, "segment": "ios"} for r in base_visits()]
        + [{**r, "visits": r["visits"] * 0.5 + 0.125, "raw_visits": 1, "segment": "android"} for r in base_visits()]
        + daily_rows("p3", "2026-01-09", [4.0], source="panel_c")
    )
    rel = ingest_release(store, snapshot(tmp_path, visits=rows))

    frame = pd.DataFrame(rows)
    want = (frame.groupby(["place_id", "date"], as_index=False)
            .agg(visits=("visits", "sum"), raw_visits=("raw_visits", "sum"), n=("raw_visits", "count")))
    schema = pq.read_schema(rel.place_daily_path)
    assert [(f.name, f.type) for f in schema] == [
        ("place_id", pa.string()), ("date", pa.date32()), ("visits", pa.float64()), ("raw_visits", pa.int64()),
    ]
    got = pq.read_table(rel.place_daily_path).to_pandas()
    assert len(got) == len(want)
    merged = want.merge(got, on=["place_id", "date"], suffixes=("_want", "_got"), validate="one_to_one")
    assert len(merged) == len(want)
    assert merged["visits_got"].tolist() == pytest.approx(merged["visits_want"].tolist(), rel=1e-12)
    # raw_visits: summed where present, null where no row of that day had it (p3's panel_c day).
    for _, r in merged.iterrows():
        if r["n"]:
            assert r["raw_visits_got"] == r["raw_visits_want"]
        else:
            assert pd.isna(r["raw_visits_got"])


def test_label_daily_rollup_is_exact(sample_store: Store) -> None:
    """label_daily.parquet against pandas: the visits of each category, region and brand (null brand as
    "(independent)") per day, from the stored visits and places."""
    rel = sample_store.release("2026.11.0")
    visits = pq.read_table(rel.visits_path, columns=["place_id", "date", "visits", "raw_visits"]).to_pandas()
    places = pq.read_table(rel.places_path, columns=["place_id", "category", "region", "brand"]).to_pandas()
    places["brand"] = places["brand"].fillna("(independent)")
    joined = visits.merge(places, on="place_id", validate="many_to_one")
    got = pq.read_table(rel.label_daily_path).to_pandas()
    assert list(got.columns) == ["kind", "value", "date", "visits", "raw_visits"]
    for kind in ("category", "region", "brand"):
        want = joined.groupby([kind, "date"]).agg(visits=("visits", "sum"), raw=("raw_visits", "sum"))
        mine = got[got["kind"] == kind].set_index(["value", "date"]).sort_index()
        assert len(mine) == len(want) > 0, kind
        assert mine["visits"].tolist() == pytest.approx(want.sort_index()["visits"].tolist(), rel=1e-12)
        assert mine["raw_visits"].tolist() == want.sort_index()["raw"].astype("int64").tolist()


# ------------------------------------------------------- current and candidate


def ingest_kinds(tmp_path: Path, store: Store, specs: list[tuple[str, str, str]]) -> None:
    for rid, kind, created in specs:
        extra = {"base": "r1"} if kind == "ablation" else {}
        ingest_release(store, snapshot(tmp_path, name=rid, release_id=rid, kind=kind, created_at=created, **extra))


def test_current_and_default_candidate(tmp_path: Path, store: Store) -> None:
    ingest_kinds(tmp_path, store, [
        ("ab-0", "ablation", "2026-11-25T00:00:00Z"),   # ingested first, but an ablation is never current
        ("r1", "release", "2026-10-01T00:00:00Z"),
        ("r3", "release", "2026-11-01T00:00:00Z"),
        ("r2", "release", "2026-11-15T00:00:00Z"),     # ingested after r3 but created later: the candidate
        ("ab-1", "ablation", "2026-11-28T00:00:00Z"),  # newest of all, still never a candidate
    ])
    assert store.current_id() == "r1"
    assert store.default_candidate_id() == "r2"
    assert store.default_candidate_id("r2") == "r3"

    store.promote("r3", by="release team", reason="shipped")
    assert store.current_id() == "r3"
    assert store.default_candidate_id() == "r2"
    store.promote("r2")
    assert store.current_id() == "r2"
    assert store.default_candidate_id() == "r3"
    assert [p["release_id"] for p in store.promotions()] == ["r3", "r2"]
    assert store.promotions()[0]["by"] == "release team"

    with pytest.raises(RelcheckError, match="ablation"):
        store.promote("ab-1")
    with pytest.raises(NotFoundError) as exc:
        store.promote("r9")
    assert exc.value.exit_code == 2
    assert "unknown release 'r9'" in str(exc.value) and "ab-0, r1, r3, r2, ab-1" in str(exc.value)
    assert store.current_id() == "r2"


def test_candidate_compares_created_at_as_time_not_text(tmp_path: Path, store: Store) -> None:
    ingest_kinds(tmp_path, store, [
        ("r1", "release", "2026-10-01T00:00:00Z"),
        ("late", "release", "2026-11-20T11:00:00Z"),
        ("early", "release", "2026-11-20T12:00:00+02:00"),  # 10:00 UTC: earlier, though it sorts later as text
    ])
    assert store.default_candidate_id() == "late"


def test_no_candidate_when_alone(tmp_path: Path, store: Store) -> None:
    with pytest.raises(NotFoundError, match="holds no release"):
        store.current_id()
    ingest_kinds(tmp_path, store, [("r1", "release", "2026-10-01T00:00:00Z"),
                                   ("ab", "ablation", "2026-10-02T00:00:00Z")])
    with pytest.raises(NotFoundError, match="no candidate"):
        store.default_candidate_id()


