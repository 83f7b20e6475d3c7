"""Ingest of a snapshot relcheck checked itself (``checked=True``, the patterns import): the same release as a full
ingest, and the same refusal when a rule it still checks is broken."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
from patterns_fixtures import KEY_A, KEY_B, week, write_csv
from snapshots import write_snapshot
from store.ingest_support import base_places

from dashboard.sql import duckdb_engine
from dashboard.store.catalog import Release, Store
from dashboard.store.contract import ValidationFailed, read_checked_snapshot
from dashboard.store.ingest import ingest_release
from dashboard.store.patterns import import_patterns


def typed_visits(rows: int = 3) -> list[dict[str, object]]:
    """Visits as relcheck writes them: typed, one source, in place and date order."""
    d0 = dt.date(2026, 1, 5)
    return [{"place_id": p, "date": d0 + dt.timedelta(days=i), "source": "blended", "visits": float(i + n),
             "raw_visits": i} for n, p in enumerate(["p1", "p2", "p3"]) for i in range(rows)]


def table(path: Path, order: str) -> list[tuple[object, ...]]:
    return duckdb.execute(f"SELECT * FROM read_parquet($p) ORDER BY {order}", {"p": str(path)}).fetchall()


def in_file_order(path: Path) -> list[tuple[object, ...]]:
    return duckdb.execute("SELECT place_id, date FROM read_parquet($p)", {"p": str(path)}).fetchall()


def same_release(a: Release, b: Release) -> None:
    assert table(a.visits_path, "ALL") == table(b.visits_path, "ALL")
    assert table(a.place_source_path, "ALL") == table(b.place_source_path, "ALL")
    assert in_file_order(a.place_daily_path) == in_file_order(b.place_daily_path)
    assert table(a.place_daily_path, "ALL") == table(b.place_daily_path, "ALL")
    assert table(a.places_path, "ALL") == table(b.places_path, "ALL")
    keep = ("rows", "places", "first_date", "last_date", "sources", "segments", "has_raw_visits", "checksum")
    assert {k: a.to_dict()[k] for k in keep} == {k: b.to_dict()[k] for k in keep}


def test_a_checked_snapshot_gives_the_same_release_as_a_full_ingest(tmp_path: Path) -> None:
    snap = write_snapshot(tmp_path / "s", "r1", typed_visits(), base_places())
    with duckdb_engine.connect() as eng:
        assert read_checked_snapshot(snap, eng).daily_unique  # the rollup is the visits themselves, not grouped
    full = ingest_release(Store(tmp_path / "full"), snap)
    checked = ingest_release(Store(tmp_path / "checked"), snap, checked=True)
    same_release(full, checked)


@pytest.mark.parametrize(("change", "rule"), [
    ({"visits": -1.0}, "must be >= 0"),
    ({"visits": 2e9}, "at most 1e+09 per row"),
    ({"date": dt.date(1980, 1, 1)}, "must lie from 1990-01-01"),
    ({"source": "bad\x1bsource"}, "control characters"),
])
def test_a_rule_still_checked_refuses_as_the_full_check_does(tmp_path: Path, change: dict[str, object],
                                                              rule: str) -> None:
    rows = typed_visits()
    rows[4] = {**rows[4], **change}
    snap = write_snapshot(tmp_path / "s", "r1", rows, base_places())
    with pytest.raises(ValidationFailed) as full:
        ingest_release(Store(tmp_path / "full"), snap)
    store = Store(tmp_path / "checked")
    with pytest.raises(ValidationFailed) as checked:
        ingest_release(store, snap, checked=True)
    assert str(checked.value) == str(full.value) and rule in str(checked.value)
    assert not store.exists() or store.release_ids() == []


def test_places_are_checked_completely(tmp_path: Path) -> None:
    places = [{**p, "name": p["name"] + "\x07"} if p["place_id"] == "p2" else p for p in base_places()]
    snap = write_snapshot(tmp_path / "s", "r1", typed_visits(), places)
    with pytest.raises(ValidationFailed, match="control characters"):
        ingest_release(Store(tmp_path / "st"), snap, checked=True)


def test_a_csv_snapshot_marked_checked_is_checked_fully(tmp_path: Path) -> None:
    rows = typed_visits()
    rows.append(dict(rows[0]))  # a duplicate key: only the full check sees it
    snap = write_snapshot(tmp_path / "s", "r1", rows, base_places(), fmt="csv")
    with pytest.raises(ValidationFailed, match="must be unique"):
        ingest_release(Store(tmp_path / "st"), snap, checked=True)


def test_an_import_stores_its_days_in_place_and_date_order(tmp_path: Path, store: Store) -> None:
    # Files given newest week first, places interleaved: the stored rollup is still sorted and exact.
    late = write_csv(tmp_path / "b.csv", [week(KEY_B, "2020-03-09", [1, 2, 3, 4, 5, 6, 7]),
                                          week(KEY_A, "2020-03-09", [7, 6, 5, 4, 3, 2, 1])])
    early = write_csv(tmp_path / "a.csv", [week(KEY_B, "2020-03-02", [2] * 7), week(KEY_A, "2020-03-02", [3] * 7)])
    rel = import_patterns(store, [late, early], release_id="p1").release
    order = in_file_order(rel.place_daily_path)
    assert order == sorted(order) and len(order) == 28
    grouped = duckdb.execute(
        "SELECT place_id, date, sum(visits), CAST(sum(raw_visits) AS BIGINT) FROM read_parquet($p) GROUP BY ALL "
        "ORDER BY ALL", {"p": str(rel.visits_path)}).fetchall()
    assert table(rel.place_daily_path, "ALL") == grouped
