"""Weekly patterns import (issue 16): the mapping, and the drift real files carry, each on a small file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pytest
from patterns_fixtures import KEY_A, KEY_B, epoch, week, write_csv, write_parquet

from dashboard.store.catalog import Store
from dashboard.store.patterns import ImportResult, import_patterns, import_record

MON = "2020-03-02"  # a Monday
SUN = "2020-03-01"


def run(store: Store, *inputs: Path, **kw: Any) -> ImportResult:
    kw.setdefault("release_id", "p1")
    return import_patterns(store, list(inputs), **kw)


def visits(result: ImportResult) -> dict[tuple[str, str], tuple[float, int | None, str]]:
    rows = duckdb.sql(f"SELECT place_id, date, visits, raw_visits, source FROM '{result.release.visits_path}'").fetchall()
    return {(p, d.isoformat()): (v, r, s) for p, d, v, r, s in rows}


def places(result: ImportResult) -> dict[str, dict[str, Any]]:
    rel = duckdb.sql(f"SELECT * FROM '{result.release.places_path}'")
    return {r[0]: dict(zip(rel.columns, r, strict=True)) for r in rel.fetchall()}


def days(start: str, n: int) -> list[str]:
    d = dt.date.fromisoformat(start)
    return [(d + dt.timedelta(days=i)).isoformat() for i in range(n)]


def test_the_mapping_on_one_csv_file(tmp_path: Path, store: Store) -> None:
    f = write_csv(tmp_path / "w.csv", [
        week(KEY_A, MON, [1, 0, 0, 0, 0, 0, 2], raw_visit_counts=10, brands='["FreshCo", "ValueMart"]',
             parent_placekey="zzz-222@3bt-bys-gzf"),
        week(KEY_B, MON, [0, 0, 0, 0, 0, 0, 0], raw_visit_counts=3, brands="", location_name="Corner Gym",
             top_category="Fitness Centers", region="CA", city="SF", latitude=37.7, longitude=-122.4),
    ])
    r = run(store, f, source="advan_weekly")
    v = visits(r)
    assert [v[(KEY_A, d)][0] for d in days(MON, 7)] == [1, 0, 0, 0, 0, 0, 2]
    # raw_visit_counts spread in proportion to visits_by_day, by largest remainder: 10 * 1/3, 10 * 2/3.
    assert [v[(KEY_A, d)][1] for d in days(MON, 7)] == [3, 0, 0, 0, 0, 0, 7]
    # A week without visits spreads its raw count evenly, still summing to it.
    assert sum(v[(KEY_B, d)][1] for d in days(MON, 7)) == 3
    assert {s for _, _, s in v.values()} == {"advan_weekly"}
    p = places(r)
    assert p[KEY_A]["brand"] == "FreshCo" and p[KEY_A]["name"] == "Place 222"
    assert p[KEY_A]["other_brands"] == "ValueMart"
    assert p[KEY_A]["parent_place_id"] == "zzz-222@3bt-bys-gzf"
    assert p[KEY_A]["category"] == "Grocery Stores" and p[KEY_A]["sub_category"] == "Supermarkets"
    assert p[KEY_B] == {"place_id": KEY_B, "name": "Corner Gym", "brand": None, "category": "Fitness Centers",
                        "region": "CA", "city": "SF", "sub_category": "Supermarkets", "parent_place_id": None,
                        "latitude": 37.7, "longitude": -122.4, "other_brands": None}
    assert r.release.rows == 14 and r.release.places == 2 and r.week_starts == ["Monday"]
    assert r.warnings == []


@pytest.mark.parametrize(("brands", "brand", "others"), [
    ('["Ford", "Lincoln", "Mercury"]', "Ford", "Lincoln, Mercury"),
    ('["FreshCo"]', "FreshCo", None),
    ("Ford, Lincoln ,Mercury", "Ford", "Lincoln, Mercury"),
    ("FreshCo", "FreshCo", None),
    ("", None, None),
    ("[]", None, None),
])
def test_the_first_brand_is_the_brand_and_the_rest_are_kept(tmp_path: Path, store: Store, brands: str, brand: str | None,
                                                            others: str | None) -> None:
    r = run(store, write_csv(tmp_path / "w.csv", [week(KEY_A, MON, [1] * 7, brands=brands)]))
    assert (places(r)[KEY_A]["brand"], places(r)[KEY_A]["other_brands"]) == (brand, others)


def test_extra_brands_from_a_parquet_list(tmp_path: Path, store: Store) -> None:
    r = run(store, write_parquet(tmp_path / "w.parquet", [week(KEY_A, MON, [1] * 7, brands='["Ford", "Lincoln"]')]))
    assert (places(r)[KEY_A]["brand"], places(r)[KEY_A]["other_brands"]) == ("Ford", "Lincoln")


@pytest.mark.parametrize(("counts", "raw", "days_raw"), [
    ([1, 2, 3, 4, 5, 6, 7], 28, [1, 2, 3, 4, 5, 6, 7]),  # raw counts that add up: they are their own spread
    ([0.5, 0.5, 1, 1, 0, 0, 0], 3, [1, 0, 1, 1, 0, 0, 0]),  # add up, not whole: largest remainder, a tie to the earlier
    ([1, 1, 1, 0, 0, 0, 0], 2, [1, 1, 0, 0, 0, 0, 0]),
])
def test_raw_visit_counts_spread_to_whole_days(tmp_path: Path, store: Store, counts: list[float], raw: int,
                                               days_raw: list[int]) -> None:
    r = run(store, write_csv(tmp_path / "w.csv", [week(KEY_A, MON, counts, raw_visit_counts=raw)]))
    assert [visits(r)[(KEY_A, d)][1] for d in days(MON, 7)] == days_raw


def test_default_source_is_the_vendor_and_components_default(tmp_path: Path, store: Store) -> None:
    r = run(store, write_csv(tmp_path / "w.csv", [week(KEY_A, MON, [1] * 7)]))
    assert set(r.release.sources) == {"safegraph"}
    assert r.release.components == {"vendor": "safegraph"}


def test_uppercase_pipe_gzip_and_epoch_seconds(tmp_path: Path, store: Store) -> None:
    rows = [week(KEY_A, MON, [5, 4, 3, 2, 1, 0, 9], brands="FreshCo, ValueMart")]
    rows[0]["date_range_start"] = str(epoch(MON))
    rows[0]["date_range_end"] = str(epoch("2020-03-09"))
    f = write_csv(tmp_path / "w.csv.gz", rows, delimiter="|", upper=True)
    r = run(store, f)
    assert [visits(r)[(KEY_A, d)][0] for d in days(MON, 7)] == [5, 4, 3, 2, 1, 0, 9]
    assert places(r)[KEY_A]["brand"] == "FreshCo"


def test_epoch_seconds_of_a_midnight_east_of_utc_keep_the_local_date(tmp_path: Path, store: Store) -> None:
    rows = [week(KEY_A, MON, [1] * 7)]
    rows[0]["date_range_start"] = str(epoch(MON, offset_hours=9))  # 2020-03-01T15:00Z
    rows[0]["date_range_end"] = ""
    r = run(store, write_csv(tmp_path / "w.csv", rows))
    assert r.release.first_date == MON


@pytest.mark.parametrize("end", ["2020-03-09T00:00:00-05:00", "2020-03-08T23:59:59-05:00", "2020-03-09",
                                 "2020-03-08", "", None])
def test_the_date_range_end_spellings(tmp_path: Path, store: Store, end: str | None) -> None:
    rows = [week(KEY_A, MON, [1] * 7)]
    drop = ("date_range_end",) if end is None else ()
    rows[0]["date_range_end"] = end
    rows[0]["date_range_start"] = MON  # an ISO date
    r = run(store, write_csv(tmp_path / "w.csv", rows, drop=drop))
    assert (r.release.first_date, r.release.last_date) == (MON, "2020-03-08")


def test_parquet_with_lists(tmp_path: Path, store: Store) -> None:
    f = write_parquet(tmp_path / "w.parquet", [
        week(KEY_A, MON, [1, 2, 3, 4, 5, 6, 7], brands='["FreshCo", "ValueMart"]'),
        week(KEY_B, MON, [0, 0, 1, 0, 0, 0, 0], brands=""),
    ])
    r = run(store, f)
    assert [visits(r)[(KEY_A, d)][0] for d in days(MON, 7)] == [1, 2, 3, 4, 5, 6, 7]
    assert places(r)[KEY_A]["brand"] == "FreshCo" and places(r)[KEY_B]["brand"] is None


def test_parquet_with_json_text_and_numbers(tmp_path: Path, store: Store) -> None:
    f = write_parquet(tmp_path / "w.parquet", [week(KEY_A, MON, [1, 2, 3, 4, 5, 6, 7])], lists=False)
    r = run(store, f)
    assert sum(v for v, _, _ in visits(r).values()) == 28


def test_a_folder_of_weekly_files_in_mixed_formats_is_one_release(tmp_path: Path, store: Store) -> None:
    folder = tmp_path / "weekly"
    write_csv(folder / "patterns-2020-03-02.csv", [week(KEY_A, MON, [1] * 7), week(KEY_B, MON, [2] * 7)])
    write_csv(folder / "patterns-2020-03-09.csv.gz", [week(KEY_A, "2020-03-09", [3] * 7)], delimiter="|", upper=True)
    write_parquet(folder / "patterns-2020-03-16.parquet", [week(KEY_A, "2020-03-16", [4] * 7)])
    (folder / "README.txt.md").write_text("not a data file")
    r = run(store, folder)
    assert len(r.files) == 3 and r.weekly_rows == 4
    assert (r.release.first_date, r.release.last_date) == (MON, "2020-03-22")
    assert r.release.rows == 28
    # KEY_B has only the first week: its own span has no hole, so no gap warning.
    assert r.warnings == []


def test_sunday_weeks(tmp_path: Path, store: Store) -> None:
    r = run(store, write_csv(tmp_path / "w.csv", [week(KEY_A, SUN, [1, 2, 3, 4, 5, 6, 7])]))
    assert r.week_starts == ["Sunday"]
    assert visits(r)[(KEY_A, SUN)][0] == 1 and visits(r)[(KEY_A, "2020-03-07")][0] == 7


def test_sunday_and_monday_weeks_that_agree_are_kept_once_with_a_warning(tmp_path: Path, store: Store) -> None:
    daily = [1, 2, 3, 4, 5, 6, 7, 8]  # 2020-03-01 .. 03-08
    a = write_csv(tmp_path / "a" / "sunday.csv", [week(KEY_A, SUN, daily[:7], raw_visit_counts=None)])
    b = write_csv(tmp_path / "a" / "monday.csv", [week(KEY_A, MON, daily[1:], raw_visit_counts=None)])
    r = run(store, a, b)
    assert r.release.rows == 8 and r.repeated_days == 6
    assert any(w.startswith("overlap: 6 place-days") for w in r.warnings)
    assert any("Monday, Sunday" in w for w in r.warnings)
    assert r.release.has_raw_visits is False


@pytest.mark.parametrize("key", ["safegraph_place_id", "id_store"])
def test_older_and_other_key_columns(tmp_path: Path, store: Store, key: str) -> None:
    row = week("sg:0a1b2c", MON, [1] * 7)
    row[key] = row.pop("placekey")
    r = run(store, write_csv(tmp_path / "w.csv", [row]))
    assert set(places(r)) == {"sg:0a1b2c"}
    assert r.release.sources == (("safegraph",) if key == "safegraph_place_id" else ("advan",))


def test_a_key_column_named_by_option(tmp_path: Path, store: Store) -> None:
    row = week("ignored", MON, [1] * 7, STORE_CODE="s-42")
    r = run(store, write_csv(tmp_path / "w.csv", [row]), place_key="store_code")
    assert set(places(r)) == {"s-42"}


def test_gaps_are_warned(tmp_path: Path, store: Store) -> None:
    f = write_csv(tmp_path / "w.csv", [week(KEY_A, MON, [1] * 7), week(KEY_A, "2020-03-16", [1] * 7),
                                      week(KEY_B, MON, [1] * 7), week(KEY_B, "2020-03-16", [1] * 7)])
    r = run(store, f)
    assert any(w.startswith("gap: 7 days") and "2020-03-09..2020-03-15" in w for w in r.warnings)
    assert any(w.startswith("gap: 2 places miss days") for w in r.warnings)


def test_attributes_changing_between_weeks_keep_the_latest_with_a_warning(tmp_path: Path, store: Store) -> None:
    a = write_csv(tmp_path / "w1.csv", [week(KEY_A, "2020-03-09", [1] * 7, location_name="New name",
                                              brands="", top_category="Supermarkets")])
    b = write_csv(tmp_path / "w0.csv", [week(KEY_A, MON, [1] * 7, location_name="Old name")], drop=("city",))
    r = run(store, a, b)
    p = places(r)[KEY_A]
    # The latest week wins, also when it says the brand is gone; a file without the city column does not erase it.
    assert (p["name"], p["brand"], p["category"], p["city"]) == ("New name", None, "Supermarkets", "New York")
    [w] = r.warnings
    assert w.startswith("attributes: 1 places") and "location_name, brands, top_category" in w


def test_a_change_in_the_other_brands_alone_is_an_attribute_change(tmp_path: Path, store: Store) -> None:
    a = write_csv(tmp_path / "w0.csv", [week(KEY_A, MON, [1] * 7, brands='["Ford", "Lincoln"]')])
    b = write_csv(tmp_path / "w1.csv", [week(KEY_A, "2020-03-09", [1] * 7, brands='["Ford"]')])
    r = run(store, a, b)
    assert places(r)[KEY_A]["other_brands"] is None
    [w] = r.warnings
    assert w.startswith("attributes: 1 places") and "brands" in w


def test_the_import_is_recorded_for_the_releases_page(tmp_path: Path, store: Store) -> None:
    f = write_csv(tmp_path / "w.csv", [week(KEY_A, MON, [1] * 7)])
    r = run(store, f)
    rec = import_record(store, store.release("p1"))
    assert rec is not None and rec["format"] == "weekly patterns" and rec["files"] == [str(f)]
    assert (rec["weekly_rows"], rec["visit_rows"], rec["places"]) == (1, 7, 1)
    assert r.release.checksum == rec["checksum"]


def test_progress_counts_files_and_rows(tmp_path: Path, store: Store) -> None:
    folder = tmp_path / "weekly"
    write_csv(folder / "a.csv", [week(KEY_A, MON, [1] * 7)])
    write_csv(folder / "b.csv", [week(KEY_A, "2020-03-09", [1] * 7), week(KEY_B, "2020-03-09", [1] * 7)])
    calls: list[tuple[str, int, int]] = []
    run(store, folder, progress=lambda *a: calls.append(a))
    assert ("read 2/2 files, 3 rows", 2, 6) in calls
    assert calls[-1] == ("done", 6, 6)


def test_replace_and_refuse_an_existing_id(tmp_path: Path, store: Store) -> None:
    from dashboard.errors import RelcheckError

    f = write_csv(tmp_path / "w.csv", [week(KEY_A, MON, [1] * 7)])
    run(store, f)
    with pytest.raises(RelcheckError, match="already exists"):
        run(store, f)
    g = write_csv(tmp_path / "g.csv", [week(KEY_A, MON, [2] * 7)])
    assert visits(run(store, g, replace=True))[(KEY_A, MON)][0] == 2


@pytest.mark.parametrize(("rows", "grid"), [
    ([("a", 0, 7), ("b", 0, 7), ("a", 7, 7), ("b", 7, 7)], True),  # every place in every week, back to back
    ([("a", 0, 7), ("a", 0, 7), ("a", 7, 7), ("b", 7, 7)], False),  # a week twice for a, b misses one: 4 = 2 x 2 rows
    ([("a", 0, 7), ("b", 0, 7), ("a", 14, 7), ("b", 14, 7)], False),  # a hole between the weeks
    ([("a", 0, 7), ("a", 6, 7)], False),  # Sunday and Monday weeks overlap
    ([("a", 0, 7), ("a", 7, 3)], True),  # a short last week
])
def test_the_full_grid_shortcut_agrees_with_the_per_place_window(rows: list[tuple[str, int, int]], grid: bool) -> None:
    from dashboard.sql import duckdb_engine

    d0 = dt.date(2020, 3, 2)
    with duckdb_engine.connect() as eng:
        eng.register("pat_parsed", duckdb.sql("SELECT place_key, week_start, counts FROM (VALUES " + ", ".join(
            f"('{k}', DATE '{d0 + dt.timedelta(days=s)}', [{', '.join(['1.0'] * n)}])" for k, s, n in rows)
            + ") t(place_key, week_start, counts)").to_arrow_table())
        assert eng.run("patterns_weeks_grid", inputs={"pat_parsed": "pat_parsed"}).rows()[0][0] is grid
        weeks = eng.run("patterns_place_weeks", inputs={"pat_parsed": "pat_parsed"}, limit=5).dicts()[0]
    if grid:  # what import_patterns takes instead of running the window
        assert weeks == {"overlapping_rows": 0, "gap_places": 0, "gap_examples": None}
    else:
        assert weeks["overlapping_rows"] or weeks["gap_places"] or rows[0] == rows[1]


def test_the_places_of_a_full_grid_are_the_latest_weeks_attributes_and_changes() -> None:
    from dashboard.sql import duckdb_engine

    cols = "place_key, week_start, file, location_name, brand, other_brands, top_category, region, city, sub_category, " \
           "parent_placekey, latitude, longitude"
    rows = [  # a: the name, the other brands and the latitude change (to NULL); b: nothing; c: the city changes
        "('a', DATE '2020-03-02', 'w1.csv', 'A', 'X', NULL, 'Gym', 'CA', 'SF', NULL, NULL, 1.0, 2.0)",
        "('a', DATE '2020-03-09', 'w2.csv', 'A2', 'X', 'Y', 'Gym', 'CA', 'SF', NULL, NULL, NULL, 2.0)",
        "('b', DATE '2020-03-02', 'w1.csv', 'B', NULL, NULL, 'Gym', 'CA', 'LA', '', 'p', 3.0, 4.0)",
        "('b', DATE '2020-03-09', 'w2.csv', 'B', NULL, NULL, 'Gym', 'CA', 'LA', '', 'p', 3.0, 4.0)",
        "('c', DATE '2020-03-09', 'w2.csv', NULL, NULL, NULL, 'Gym', 'CA', 'LA', NULL, NULL, 5.0, 6.0)",
        "('c', DATE '2020-03-02', 'w1.csv', NULL, NULL, NULL, 'Gym', 'CA', 'SJ', NULL, NULL, 5.0, 6.0)",
    ]
    with duckdb_engine.connect() as eng:
        eng.register("pat_parsed", duckdb.sql(f"SELECT * FROM (VALUES {', '.join(rows)}) t({cols})").to_arrow_table())
        grid = eng.run("patterns_places_grid", inputs={"pat_parsed": "pat_parsed"}).dicts()
        latest = eng.run("patterns_places_latest", inputs={"pat_parsed": "pat_parsed"}).dicts()
    assert sorted(grid, key=lambda r: r["place_id"]) == sorted(latest, key=lambda r: r["place_id"])
    assert {r["place_id"]: r["changed"] for r in grid} == {
        "a": ["location_name", "brands", "latitude"], "b": [], "c": ["city"]}


@pytest.mark.parametrize("overlap", [False, True])
def test_the_direct_write_stores_what_the_snapshot_path_stores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              overlap: bool) -> None:
    """The stored files written straight from the import hold the rows, in the order, that ingesting the import's
    snapshot stores (the path taken before, and still when a rule only the snapshot check applies is broken)."""
    import dashboard.store.patterns as patterns

    folder = tmp_path / "weekly"
    b_week = week(KEY_B, MON, [0, 0, 1, 0, 0, 0, 0.5], brands='["A", "B"]')
    write_csv(folder / "a.csv", [week(KEY_A, MON, [1, 2, 3, 4, 5, 6, 7], raw_visit_counts=40), b_week])
    # A gap week for KEY_A, a renamed place, and (overlap) KEY_B's week delivered again, agreeing.
    write_csv(folder / "b.csv", [week(KEY_A, "2020-03-16", [2] * 7, location_name="Renamed"),
                                 *([b_week] if overlap else [])])
    direct = run(Store(tmp_path / "direct"), folder)
    monkeypatch.setattr(patterns, "store_import", lambda *a, **kw: None)
    snapshot = run(Store(tmp_path / "snapshot"), folder)
    for name in ("visits_path", "place_daily_path", "place_source_path", "places_path"):
        a, b = getattr(direct.release, name), getattr(snapshot.release, name)
        assert duckdb.sql(f"SELECT * FROM '{a}'").fetchall() == duckdb.sql(f"SELECT * FROM '{b}'").fetchall(), name
    keep = ("rows", "places", "first_date", "last_date", "sources", "segments", "has_raw_visits", "kind", "components")
    assert {k: direct.release.to_dict()[k] for k in keep} == {k: snapshot.release.to_dict()[k] for k in keep}
    assert direct.warnings == snapshot.warnings and direct.repeated_days == snapshot.repeated_days == 7 * overlap
