"""Ingest refuses a snapshot with bad rows: every broken rule is reported with its first offending rows.
"""

from __future__ import annotations

import math
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from snapshots import daily_rows
from store.ingest_support import (
    base_places,
    base_visits,
    check_message,
    iso_dates,
    refuse,
    snapshot,
    with_row,
    write_visits_parquet,
)

from dashboard.store.catalog import Store
from dashboard.store.contract import MAX_STRING, ValidationFailed
from dashboard.store.ingest import ingest_release

# ---------------------------------------------------------------- refusals: rows


def test_negative_visits(tmp_path: Path, populated: Store) -> None:
    folder = snapshot(tmp_path, visits=with_row(base_visits(), 2, visits=-3.0))
    err = refuse(folder, populated, tmp_path, ValidationFailed)
    check_message(err, folder / "visits.parquet", "visits", "must be >= 0 (1 rows)",
                  "'place_id': 'p1'", "'visits': '-3.0'", "2026-01-03")


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
@pytest.mark.parametrize("value, shown", [(math.nan, "nan"), (math.inf, "inf")])
def test_not_finite_visits(tmp_path: Path, populated: Store, fmt: str, value: float, shown: str) -> None:
    # Parquet keeps a real NaN (written without pandas, which would make it null); CSV spells it out.
    # The other values are equal: Parquet min/max statistics (5.0, 5.0) leave the NaN out, and a reader
    # that trusts them prunes the NaN row from the examples query.
    constant = [{**r, "visits": 5.0} for r in base_visits()]
    rows = with_row(constant, 1, visits=value if fmt == "parquet" else str(value))
    folder = snapshot(tmp_path, visits=rows, fmt=fmt)
    if fmt == "parquet":
        write_visits_parquet(folder, rows)
    err = refuse(folder, populated, tmp_path, ValidationFailed)
    p = check_message(err, folder / f"visits.{fmt}", "visits", "must be finite (no NaN or infinity) (1 rows)",
                      "'place_id': 'p1'", "2026-01-02")
    assert shown in str(p.examples[0]["visits"]).lower()


def test_null_visits(tmp_path: Path, populated: Store) -> None:
    folder = snapshot(tmp_path, visits=with_row(base_visits(), 0, visits=None))
    err = refuse(folder, populated, tmp_path, ValidationFailed)
    check_message(err, folder / "visits.parquet", "visits", "is required (1 rows)", "'place_id': 'p1'", "2026-01-01")


def test_visits_not_a_number_in_csv(tmp_path: Path, populated: Store) -> None:
    folder = snapshot(tmp_path, visits=with_row(base_visits(), 5, visits="12,5"), fmt="csv")
    err = refuse(folder, populated, tmp_path, ValidationFailed)
    check_message(err, folder / "visits.csv", "visits", "must be a number", "'visits': '12,5'")


def test_several_problems_are_reported_together(tmp_path: Path, populated: Store) -> None:
    rows = with_row(with_row(iso_dates(base_visits()), 0, visits=-1.0), 3, date="2026-02-30")
    folder = snapshot(tmp_path, visits=rows, fmt="csv")
    err = refuse(folder, populated, tmp_path, ValidationFailed)
    assert isinstance(err, ValidationFailed) and len(err.problems) == 2
    check_message(err, folder / "visits.csv", "visits", "must be >= 0", "-1.0")
    check_message(err, folder / "visits.csv", "date", "ISO date", "2026-02-30")


def test_duplicate_keys(tmp_path: Path, populated: Store) -> None:
    rows = base_visits()
    rows.append({**rows[4], "visits": 99.0})  # p1, 2026-01-01, sdk_b again
    folder = snapshot(tmp_path, visits=rows)
    err = refuse(folder, populated, tmp_path, ValidationFailed)
    check_message(err, folder / "visits.parquet", "place_id, date, source, segment",
                  "(place_id, date, source, segment) must be unique", "'place_id': 'p1'", "'source': 'sdk_b'",
                  "'copies': 2")


def test_missing_segment_and_all_are_the_same_key(tmp_path: Path, populated: Store) -> None:
    rows = [{**r, "segment": None} for r in base_visits()]
    rows.append({**rows[0], "segment": "all"})
    folder = snapshot(tmp_path, visits=rows)
    err = refuse(folder, populated, tmp_path, ValidationFailed)
    check_message(err, folder / "visits.parquet", "place_id, date, source, segment", "must be unique",
                  "'segment': 'all'")


def test_same_place_date_source_in_two_segments_is_fine(tmp_path: Path, store: Store) -> None:
    rows = [{**r, "segment": "android"} for r in base_visits()] + [{**r, "segment": "ios"} for r in base_visits()]
    rel = ingest_release(store, snapshot(tmp_path, visits=rows))
    assert rel.rows == 2 * len(base_visits())
    assert rel.segments == ("android", "ios")


def test_visits_for_unknown_place(tmp_path: Path, populated: Store) -> None:
    rows = base_visits() + daily_rows("p9", "2026-01-01", [1.0]) + daily_rows("p8", "2026-01-01", [1.0])
    folder = snapshot(tmp_path, visits=rows)
    err = refuse(folder, populated, tmp_path, ValidationFailed)
    check_message(err, folder / "visits.parquet", "place_id", "every place_id must exist in places.parquet", "p8", "p9")


def test_duplicate_place_ids(tmp_path: Path, populated: Store) -> None:
    places = base_places() + [{**base_places()[1], "name": "ValueMart again"}]
    folder = snapshot(tmp_path, places=places)
    err = refuse(folder, populated, tmp_path, ValidationFailed)
    check_message(err, folder / "places.parquet", "place_id", "must be unique (1 rows)", "'place_id': 'p2'")


@pytest.mark.parametrize("bad_date", ["2026-13-01", "11/02/2026"])
def test_unparseable_dates(tmp_path: Path, populated: Store, bad_date: str) -> None:
    rows = with_row(iso_dates(base_visits()), 6, date=bad_date)
    folder = snapshot(tmp_path, visits=rows, fmt="csv")
    err = refuse(folder, populated, tmp_path, ValidationFailed)
    check_message(err, folder / "visits.csv", "date", "must be an ISO date (YYYY-MM-DD) (1 rows)",
                  f"'date': '{bad_date}'", "'place_id': 'p1'")


def test_unparseable_date_in_parquet_string_column(tmp_path: Path, populated: Store) -> None:
    rows = with_row(iso_dates(base_visits()), 0, date="2026-13-01")
    folder = snapshot(tmp_path)
    write_visits_parquet(folder, rows)
    assert pq.read_schema(folder / "visits.parquet").field("date").type == pa.string()
    err = refuse(folder, populated, tmp_path, ValidationFailed)
    check_message(err, folder / "visits.parquet", "date", "ISO date", "2026-13-01")


@pytest.mark.parametrize("stem, column", [("visits", "source"), ("places", "city"), ("places", "name")])
def test_huge_string(tmp_path: Path, populated: Store, stem: str, column: str) -> None:
    huge = "x" * 5000
    visits, places = base_visits(), base_places()
    if stem == "visits":
        visits = with_row(visits, 3, **{column: huge})
    else:
        places = with_row(places, 1, **{column: huge})
    folder = snapshot(tmp_path, visits=visits, places=places, fmt="csv")
    err = refuse(folder, populated, tmp_path, ValidationFailed)
    check_message(err, folder / f"{stem}.csv", column, f"strings must be at most {MAX_STRING} characters (1 rows)",
                  f"'{column}': 'xxxxxxxxxx", "…")
    # The value is shown shortened: the message stays readable.
    assert huge not in str(err) and len(str(err)) < 1000


@pytest.mark.parametrize("column, value, rule", [
    ("latitude", 91.0, "within ±90"),
    ("latitude", -90.5, "within ±90"),
    ("longitude", -181.0, "within ±180"),
])
def test_coordinates_out_of_range(tmp_path: Path, populated: Store, column: str, value: float, rule: str) -> None:
    folder = snapshot(tmp_path, places=with_row(base_places(), 2, **{column: value}))
    err = refuse(folder, populated, tmp_path, ValidationFailed)
    check_message(err, folder / "places.parquet", column, rule, "'place_id': 'p3'", f"'{column}': '{value}'")


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
@pytest.mark.parametrize("value, rule, shown", [
    (2.5, "must be an integer (1 rows)", "'raw_visits': '2.5'"),
    (-4, "must be >= 0 (1 rows)", "'raw_visits': '-4"),
])
def test_bad_raw_visits(tmp_path: Path, populated: Store, fmt: str, value: float, rule: str, shown: str) -> None:
    rows = [{**r, "raw_visits": 3.0} for r in base_visits()]
    rows[8]["raw_visits"] = value
    folder = snapshot(tmp_path, visits=rows, fmt=fmt)
    err = refuse(folder, populated, tmp_path, ValidationFailed)
    check_message(err, folder / f"visits.{fmt}", "raw_visits", rule, shown, "'place_id': 'p2'")


def test_empty_category_in_places(tmp_path: Path, populated: Store) -> None:
    folder = snapshot(tmp_path, places=with_row(base_places(), 0, category=""), fmt="csv")
    err = refuse(folder, populated, tmp_path, ValidationFailed)
    check_message(err, folder / "places.csv", "category", "must be a non-empty business category", "'place_id': 'p1'")


