"""Bounded inputs and the smaller contract points of issue 12: every limit refuses with the limit in the message,
exit 2, and the store byte-identical (``refuse`` checks a missing and a populated store)."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

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

from dashboard.errors import ContractError
from dashboard.store import contract
from dashboard.store.catalog import Store
from dashboard.store.contract import ValidationFailed
from dashboard.store.ingest import ingest_release

# ------------------------------------------------------------------ visits limits


@pytest.mark.parametrize("value", [1e9 + 1, 1.7e308])
def test_visits_above_the_per_row_limit(tmp_path: Path, populated: Store, value: float) -> None:
    folder = snapshot(tmp_path, visits=with_row(base_visits(), 2, visits=value))
    err = refuse(folder, populated, tmp_path, ValidationFailed)
    check_message(err, folder / "visits.parquet", "visits", "must be at most 1e+09 per row (plausibility limit) (1 rows)",
                  "'place_id': 'p1'", "2026-01-03")


def test_visits_at_the_per_row_limit_are_accepted(tmp_path: Path, store: Store) -> None:
    rel = ingest_release(store, snapshot(tmp_path, visits=with_row(base_visits(), 2, visits=1e9)))
    assert rel.rows == len(base_visits())


def test_raw_visits_above_the_per_row_limit(tmp_path: Path, populated: Store) -> None:
    rows = [{**r, "raw_visits": 3} for r in base_visits()]
    folder = snapshot(tmp_path, visits=with_row(rows, 0, raw_visits=10**12))
    err = refuse(folder, populated, tmp_path, ValidationFailed)
    check_message(err, folder / "visits.parquet", "raw_visits", "must be at most 1e+09 per row", "'place_id': 'p1'")


def test_release_total_above_the_limit(tmp_path: Path, populated: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    # A real release needs a million rows at the per-row limit to reach 1e15; the check is the same at 50.
    monkeypatch.setattr(contract, "MAX_VISITS_PER_RELEASE", 50.0)
    folder = snapshot(tmp_path)
    err = refuse(folder, populated, tmp_path, ValidationFailed)
    total = sum(math.floor(r["visits"]) for r in base_visits())  # whole visits per row: a lower bound
    check_message(err, folder / "visits.parquet", "visits", "the release's total visits must be at most 50",
                  f"total at least {total:g}")


def test_the_limits_are_the_documented_ones() -> None:
    assert contract.MAX_VISITS_PER_ROW == 1e9 and contract.MAX_VISITS_PER_RELEASE == 1e15
    assert contract.FIRST_DATE == dt.date(1990, 1, 1) and contract.MAX_SPAN_DAYS == 1830
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    for text in ("1e9", "1e15", "1990-01-01", "1830 days", "[limits]"):
        assert text in readme, text


# ------------------------------------------------------------------- date limits


@pytest.mark.parametrize("day", [dt.date(1, 1, 1), dt.date(1989, 12, 31), dt.date(9999, 12, 31)])
def test_dates_outside_the_default_range(tmp_path: Path, populated: Store, day: dt.date) -> None:
    folder = snapshot(tmp_path, visits=with_row(base_visits(), 1, date=day))
    err = refuse(folder, populated, tmp_path, ValidationFailed)
    last = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=365)
    check_message(err, folder / "visits.parquet", "date", f"must lie from 1990-01-01 to {last}", day.isoformat())
    assert "[limits]" in str(err)


def test_infinity_date_in_csv_is_refused(tmp_path: Path, populated: Store) -> None:
    folder = snapshot(tmp_path, visits=with_row(iso_dates(base_visits()), 1, date="infinity"), fmt="csv")
    err = refuse(folder, populated, tmp_path, ValidationFailed)
    check_message(err, folder / "visits.csv", "date", "must be a plain ISO date", "'date': 'infinity'")


def test_manifest_limits_widen_the_date_range(tmp_path: Path, populated: Store, store: Store) -> None:
    rows = daily_rows("p1", "1985-03-01", [1, 2, 3])
    folder = snapshot(tmp_path, visits=rows)
    refuse(folder, populated, tmp_path, ValidationFailed)
    with open(folder / "release.toml", "a", encoding="utf-8") as fh:
        fh.write("[limits]\nfirst_date = 1980-01-01\n")
    assert ingest_release(store, folder).first_date == "1985-03-01"


def test_manifest_limits_can_narrow_the_range(tmp_path: Path, populated: Store) -> None:
    folder = snapshot(tmp_path)
    with open(folder / "release.toml", "a", encoding="utf-8") as fh:
        fh.write("[limits]\nlast_date = 2026-01-02\n")
    err = refuse(folder, populated, tmp_path, ValidationFailed)
    check_message(err, folder / "visits.parquet", "date", "must lie from 1990-01-01 to 2026-01-02", "2026-01-03")


@pytest.mark.parametrize("table, rule", [
    ("[limits]\nfirst_date = \"1980-01-01\"\n", "must be a TOML date"),
    ("[limits]\nfirst_day = 1980-01-01\n", "unknown key (did you mean 'first_date'?)"),
    ("[limits]\nfirst_date = 2026-01-01\nlast_date = 2025-01-01\n", "first_date must not be after last_date"),
    ("[limits]\nmax_span_days = 0\n", "must be a whole number of days"),
])
def test_bad_limits_table(tmp_path: Path, populated: Store, table: str, rule: str) -> None:
    folder = snapshot(tmp_path)
    with open(folder / "release.toml", "a", encoding="utf-8") as fh:
        fh.write(table)
    err = refuse(folder, populated, tmp_path, ContractError)
    assert rule in str(err) and str(folder / "release.toml") in str(err)


def test_window_longer_than_five_years(tmp_path: Path, populated: Store, store: Store) -> None:
    rows = daily_rows("p1", "2019-01-01", [1]) + daily_rows("p1", "2026-01-01", [1, 2])
    folder = snapshot(tmp_path, visits=rows)
    err = refuse(folder, populated, tmp_path, ValidationFailed)
    check_message(err, folder / "visits.parquet", "date", "the dates must span at most 1830 days",
                  "2019-01-01..2026-01-02 (2558 days)")
    with open(folder / "release.toml", "a", encoding="utf-8") as fh:
        fh.write("[limits]\nmax_span_days = 3000\n")
    assert ingest_release(store, folder).first_date == "2019-01-01"


# ------------------------------------------------------------ the smaller points


@pytest.mark.parametrize("stamp", ["2026-01-01T10:00:00", "2026-01-01 10:00:00", "2026-01-01T00:00:00Z"])
def test_timestamp_in_a_csv_date_column_is_named_not_a_duplicate(tmp_path: Path, populated: Store, stamp: str) -> None:
    # Row 1 is p1/2026-01-02; as 2026-01-01T10:00 it would be cut to a day that p1/sdk_a already has.
    folder = snapshot(tmp_path, visits=with_row(iso_dates(base_visits()), 1, date=stamp), fmt="csv")
    err = refuse(folder, populated, tmp_path, ValidationFailed)
    check_message(err, folder / "visits.csv", "date", "must be a plain ISO date YYYY-MM-DD, without a time",
                  f"'date': '{stamp}'")
    assert "unique" not in str(err)


def test_timestamp_in_a_parquet_string_date_column(tmp_path: Path, populated: Store) -> None:
    rows = with_row(iso_dates(base_visits()), 0, date="2026-01-01T23:59:59")
    folder = snapshot(tmp_path)
    write_visits_parquet(folder, rows)
    err = refuse(folder, populated, tmp_path, ValidationFailed)
    check_message(err, folder / "visits.parquet", "date", "without a time", "2026-01-01T23:59:59")


@pytest.mark.parametrize("release_id", ["r1\\n", "r1\\u001b[2J", "r1\\t"])
def test_release_id_with_a_control_character(tmp_path: Path, populated: Store, release_id: str) -> None:
    # Written as a TOML escape, so the manifest holds a real newline / ESC / tab after "r1".
    folder = snapshot(tmp_path, release_id=release_id)
    err = refuse(folder, populated, tmp_path, ContractError)
    check_message(err, folder / "release.toml", "release_id", "must match [A-Za-z0-9]")
    assert not any(contract.CONTROL.search(ch) for ch in str(err)), "a control character reached the message"


@pytest.mark.parametrize("column", ["name", "brand", "category", "region", "place_id"])
def test_control_characters_in_places(tmp_path: Path, populated: Store, column: str) -> None:
    places = with_row(base_places(), 1, **{column: "Value\x1b]0;owned\x07Mart"})
    visits = base_visits()
    if column == "place_id":
        visits = [{**r, "place_id": "Value\x1b]0;owned\x07Mart"} if r["place_id"] == "p2" else r for r in visits]
    folder = snapshot(tmp_path, places=places, visits=visits)
    err = refuse(folder, populated, tmp_path, ValidationFailed)
    check_message(err, folder / "places.parquet", column, "must not contain control characters (tabs, newlines, escapes) (1 rows)", "\\x1b]0;owned")
    assert "\x1b" not in str(err) and "\x07" not in str(err)


def test_c1_control_character_in_a_source(tmp_path: Path, populated: Store) -> None:
    folder = snapshot(tmp_path, visits=with_row(base_visits(), 0, source="sdk\x9b2J"))
    err = refuse(folder, populated, tmp_path, ValidationFailed)
    check_message(err, folder / "visits.parquet", "source", "must not contain control characters", "sdk\\x9b2J")
    assert "\x9b" not in str(err)


@pytest.mark.parametrize("field, manifest", [
    ("description", {"description": "hello\\u001b]2;title\\u0007"}),
    ("components", {"components": {'"poi\\u001bdb"': "v1"}}),
    ("components.poi_db", {"components": {"poi_db": "v1\\r"}}),
])
def test_control_characters_in_the_manifest(tmp_path: Path, populated: Store, field: str, manifest: dict) -> None:
    folder = snapshot(tmp_path, **manifest)
    err = refuse(folder, populated, tmp_path, ContractError)
    check_message(err, folder / "release.toml", field, "must not contain control characters")
    assert not contract.CONTROL.search(str(err).replace("\n", ""))


def test_multi_line_description_is_accepted(tmp_path: Path, store: Store) -> None:
    assert ingest_release(store, snapshot(tmp_path, description="line one\\nline two")).description == "line one\nline two"


@pytest.mark.parametrize("name", ["visits.parquet", "places.parquet", "release.toml"])
def test_symlink_in_a_snapshot_is_refused_without_echoing_the_target(tmp_path: Path, populated: Store, name: str) -> None:
    folder = snapshot(tmp_path)
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("TOP-SECRET-LINE = 1\n")
    (folder / name).unlink()
    (folder / name).symlink_to(secret)
    err = refuse(folder, populated, tmp_path, ContractError)
    check_message(err, folder / name, None, "is a symbolic link")
    assert "TOP-SECRET" not in str(err) and str(secret) not in str(err)


def test_symlink_that_dangles_is_refused_too(tmp_path: Path, populated: Store) -> None:
    folder = snapshot(tmp_path, fmt="csv")
    (folder / "visits.parquet").symlink_to(tmp_path / "nowhere")
    err = refuse(folder, populated, tmp_path, ContractError)
    check_message(err, folder / "visits.parquet", None, "is a symbolic link")


@pytest.mark.parametrize("created, refused", [(dt.timedelta(days=3), True), (dt.timedelta(hours=12), False)])
def test_created_at_in_the_future(tmp_path: Path, populated: Store, store: Store, created: dt.timedelta,
                                  refused: bool) -> None:
    stamp = (dt.datetime.now(dt.UTC) + created).strftime("%Y-%m-%dT%H:%M:%SZ")
    folder = snapshot(tmp_path, created_at=stamp)
    if refused:
        err = refuse(folder, populated, tmp_path, ContractError)
        check_message(err, folder / "release.toml", "created_at", "must not be more than a day in the future")
    else:
        assert ingest_release(store, folder).release_id == "r1"


def test_ragged_csv_names_the_file_without_duckdb_text(tmp_path: Path, populated: Store) -> None:
    folder = snapshot(tmp_path, fmt="csv")
    text = (folder / "visits.csv").read_text().splitlines()
    text[3] += ",extra,fields"
    (folder / "visits.csv").write_text("\n".join(text) + "\n")
    err = refuse(folder, populated, tmp_path, ContractError)
    check_message(err, folder / "visits.csv", None, "is not a well-formed CSV file")
    for raw in ("Error", "sniff", "Possible", "strict_mode", "DuckDB"):
        assert raw not in str(err), raw


def test_non_utf8_csv_names_the_file(tmp_path: Path, populated: Store) -> None:
    folder = snapshot(tmp_path, fmt="csv")
    data = (folder / "places.csv").read_bytes().replace(b"ValueMart", b"Valu\xe9Mart")
    (folder / "places.csv").write_bytes(data)
    err = refuse(folder, populated, tmp_path, ContractError)
    check_message(err, folder / "places.csv", None, "is not UTF-8 encoded")
    assert "Possible Solution" not in str(err)


def test_truncated_parquet_names_the_file(tmp_path: Path, populated: Store) -> None:
    folder = snapshot(tmp_path)
    data = (folder / "visits.parquet").read_bytes()
    (folder / "visits.parquet").write_bytes(data[: len(data) // 2])
    err = refuse(folder, populated, tmp_path, ContractError)
    check_message(err, folder / "visits.parquet", None, "cannot be read")
    assert "Error" not in str(err)


def test_not_finite_total_is_never_reached(tmp_path: Path, populated: Store) -> None:
    # Values that would sum to infinity are refused row by row, before any sum.
    rows = [{**r, "visits": 1e308} for r in base_visits()]
    folder = snapshot(tmp_path, visits=rows)
    err = refuse(folder, populated, tmp_path, ValidationFailed)
    assert "per row" in str(err) and "inf" not in str(err).lower().replace("info", "")
