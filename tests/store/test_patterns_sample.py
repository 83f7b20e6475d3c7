"""The demo releases written as weekly patterns files (issue 16, point 5) and imported back give the same visits."""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import duckdb

from dashboard.store.catalog import Store
from dashboard.store.patterns import import_patterns
from dashboard.store.patterns_sample import PLACEKEY, placekey_for, write_patterns


def test_placekeys_look_valid_and_differ() -> None:
    a = placekey_for("p1", 40.7, -74.0)
    assert PLACEKEY.match(a), a
    assert a != placekey_for("p2", 40.7, -74.0)
    # Places 20 m apart share the 'where' part, as real placekeys of one building do.
    assert a.split("@")[1] == placekey_for("p3", 40.70001, -74.00001).split("@")[1]
    assert not PLACEKEY.match("p1") and not PLACEKEY.match("zzw-22y@5vg-7gt-qz")


def test_the_demo_release_round_trips_through_weekly_patterns(tmp_path: Path, demo_sample, sample_store: Store) -> None:
    result, _ = demo_sample
    folder = next(d for d in result.release_dirs if d.name == result.current_id)
    files = write_patterns(folder, tmp_path / "patterns")
    assert len(files) == 16 and files[0].name == "patterns-2026-04-13.csv.gz"
    header = gzip.open(files[0], "rt").readline()
    assert header.startswith("placekey,parent_placekey,location_name,brands,top_category")

    store = Store(tmp_path / "store")
    imported = import_patterns(store, [tmp_path / "patterns"], release_id="rt", source="blended")
    assert imported.warnings == [] and imported.week_starts == ["Monday"]

    original = sample_store.release(result.current_id)
    con = duckdb.connect()
    want = dict(con.execute(
        "SELECT place_id || ' ' || date, sum(visits) FROM read_parquet($p) GROUP BY ALL", {"p": str(original.visits_path)}
    ).fetchall())
    got = dict(con.execute(
        "SELECT place_id || ' ' || date, visits FROM read_parquet($p)", {"p": str(imported.release.visits_path)}
    ).fetchall())
    # Days a place has no row in the snapshot come back as 0 (a weekly array has every day of its week).
    assert set(want) <= set(got) and all(got[k] == 0 for k in set(got) - set(want))
    assert all(math.isclose(got[k], v, rel_tol=1e-12, abs_tol=1e-9) for k, v in want.items())
    raw_want, raw_got = (con.execute("SELECT sum(raw_visits) FROM read_parquet($p)", {"p": str(p)}).fetchone()[0]
                         for p in (original.visits_path, imported.release.visits_path))
    assert raw_want == raw_got
    assert all(PLACEKEY.match(k.split(" ")[0]) for k in list(got)[:50])

    places = {r[0]: r for r in con.execute("SELECT * FROM read_parquet($p)", {"p": str(original.places_path)}).fetchall()}
    back = {r[0]: r for r in con.execute("SELECT * FROM read_parquet($p)",
                                         {"p": str(imported.release.places_path)}).fetchall()}
    with_visits = set(back)
    assert with_visits <= set(places) and all(back[k] == places[k] for k in with_visits)


def test_a_small_snapshot_ending_mid_week_writes_a_short_last_week(tmp_path: Path) -> None:
    from snapshots import daily_rows, write_snapshot

    snap = write_snapshot(tmp_path / "s", "r1", daily_rows("p1", "2026-01-05", [1.5] * 10),
                          [{"place_id": "p1", "brand": "FreshCo", "category": "Grocery Stores", "region": "NE"}])
    files = write_patterns(snap, tmp_path / "out", compression="none")
    assert [f.name for f in files] == ["patterns-2026-01-05.csv", "patterns-2026-01-12.csv"]
    last = files[1].read_text().splitlines()[1]
    assert "2026-01-12T00:00:00-05:00,2026-01-15T00:00:00-05:00" in last and '"[1.5,1.5,1.5]"' in last
    assert '"[""FreshCo""]"' in files[0].read_text()
    imported = import_patterns(Store(tmp_path / "st"), [tmp_path / "out"], release_id="r1")
    assert imported.release.rows == 10


def test_other_brands_round_trip_through_weekly_patterns(tmp_path: Path) -> None:
    from snapshots import daily_rows, write_snapshot

    snap = write_snapshot(tmp_path / "s", "r1", daily_rows("p1", "2026-01-05", [1.0] * 7)
                          + daily_rows("p2", "2026-01-05", [2.0] * 7), [
        {"place_id": "p1", "brand": "Ford", "other_brands": "Lincoln, Mercury", "category": "Auto", "region": "NE"},
        {"place_id": "p2", "brand": None, "other_brands": None, "category": "Auto", "region": "NE"}])
    contract = Store(tmp_path / "a")
    from dashboard.store.ingest import ingest_release

    ingest_release(contract, snap)
    write_patterns(snap, tmp_path / "out", compression="none")
    assert '"[""Ford"",""Lincoln"",""Mercury""]"' in (tmp_path / "out" / "patterns-2026-01-05.csv").read_text()
    imported = import_patterns(Store(tmp_path / "b"), [tmp_path / "out"], release_id="r1")
    query = "SELECT place_id, brand, other_brands FROM read_parquet($p) ORDER BY place_id"
    want, got = (duckdb.execute(query, {"p": str(p)}).fetchall()
                 for p in (contract.release("r1").places_path, imported.release.places_path))
    assert want == got == [("p1", "Ford", "Lincoln, Mercury"), ("p2", None, None)]
