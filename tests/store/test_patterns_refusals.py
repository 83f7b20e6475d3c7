"""Bad weekly patterns input (issue 16): refused whole, exit 2, the message names file, column, rule and an
example, and the store is byte-identical afterwards (or, when there was none, still absent)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from patterns_fixtures import KEY_A, KEY_B, week, write_csv, write_parquet

from dashboard.errors import ContractError, RelcheckError
from dashboard.store.catalog import Store
from dashboard.store.patterns import import_patterns

MON = "2020-03-02"


def tree_state(root: Path) -> dict[str, str] | None:
    if not root.exists():
        return None
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "<dir>"
            for p in sorted(root.rglob("*"))}


@pytest.fixture(params=["empty", "existing"])
def some_store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """No store yet, or a store holding one release already."""
    st = Store(tmp_path / "store")
    if request.param == "existing":
        import_patterns(st, [write_csv(tmp_path / "ok.csv", [week(KEY_A, MON, [1] * 7)])], release_id="r0")
    return st


def refused(store: Store, inputs: list[Path], *parts: str, **kw: Any) -> str:
    before = tree_state(store.home)
    kw.setdefault("release_id", "bad")
    with pytest.raises(RelcheckError) as info:
        import_patterns(store, inputs, **kw)
    assert info.value.exit_code == 2
    msg = str(info.value)
    for part in parts:
        assert part in msg, f"{part!r} not in {msg}"
    assert tree_state(store.home) == before
    return msg


def one(tmp_path: Path, **changes: Any) -> Path:
    row = week(KEY_A, MON, [1, 2, 3, 4, 5, 6, 7])
    row.update(changes)
    return write_csv(tmp_path / "bad.csv", [week(KEY_B, MON, [1] * 7), row])


def test_array_length_does_not_match_the_date_range(tmp_path: Path, some_store: Store) -> None:
    f = one(tmp_path, visits_by_day="[1,2,3,4,5,6]")
    refused(some_store, [f], str(f), "field 'visits_by_day'", "one count per day of the date range",
            "row 2 " + KEY_A, "6 days in [1,2,3,4,5,6]")


def test_negative_counts(tmp_path: Path, some_store: Store) -> None:
    f = one(tmp_path, visits_by_day="[1,2,-3,4,5,6,7]")
    refused(some_store, [f], str(f), "field 'visits_by_day'", "must be >= 0", "[1,2,-3,4,5,6,7]")


def test_non_numeric_counts(tmp_path: Path, some_store: Store) -> None:
    f = one(tmp_path, visits_by_day='[1,2,"x",4,5,6,7]')
    refused(some_store, [f], str(f), "field 'visits_by_day'", "must be a number", '"x"')


def test_malformed_json(tmp_path: Path, some_store: Store) -> None:
    f = one(tmp_path, visits_by_day="[1,2,3,4,5,6,7")
    refused(some_store, [f], str(f), "field 'visits_by_day'", "must be a JSON array", "[1,2,3,4,5,6,7")


def test_bad_raw_visit_counts_and_dates_are_all_listed(tmp_path: Path, some_store: Store) -> None:
    f = one(tmp_path, raw_visit_counts="-4", date_range_start="last monday")
    msg = refused(some_store, [f], "2 problem(s)", "field 'raw_visit_counts'", "field 'date_range_start'",
                  "'last monday'", "'-4'")
    assert msg.count(str(f)) == 2


def test_missing_key_column(tmp_path: Path, some_store: Store) -> None:
    f = write_csv(tmp_path / "w.csv", [week(KEY_A, MON, [1] * 7)], drop=("placekey",))
    refused(some_store, [f], str(f), "field 'placekey'", "a place key", "location_name")


def test_missing_key_column_named_by_option(tmp_path: Path, some_store: Store) -> None:
    f = write_csv(tmp_path / "w.csv", [week(KEY_A, MON, [1] * 7)])
    refused(some_store, [f], str(f), "field 'store_code'", "--place-key is missing", place_key="store_code")


def test_empty_key(tmp_path: Path, some_store: Store) -> None:
    f = one(tmp_path, placekey="")
    refused(some_store, [f], str(f), "field 'placekey'", "non-empty place id", "row 2")


def test_not_patterns_at_all(tmp_path: Path, some_store: Store) -> None:
    f = tmp_path / "visits.csv"
    f.write_text("place_id,date,source,visits\np1,2026-01-01,sdk_a,3\n")
    refused(some_store, [f], str(f), "not a weekly patterns file", "date_range_start", "place_id, date, source, visits")


def test_a_binary_file_is_not_patterns(tmp_path: Path, some_store: Store) -> None:
    f = tmp_path / "w.csv"
    f.write_bytes(b"\x00\x01\x02garbage")
    refused(some_store, [f], str(f))


def test_mixed_place_keys_across_files(tmp_path: Path, some_store: Store) -> None:
    a = write_csv(tmp_path / "a.csv", [week(KEY_A, MON, [1] * 7)])
    row = week("sg:abc", "2020-03-09", [1] * 7)
    row["safegraph_place_id"] = row.pop("placekey")
    b = write_parquet(tmp_path / "b.parquet", [row])
    refused(some_store, [a, b], str(a), str(b), "field 'safegraph_place_id'", "place keys are mixed across files")


def test_overlapping_weeks_that_disagree_name_both_files(tmp_path: Path, some_store: Store) -> None:
    a = write_csv(tmp_path / "d" / "sunday.csv", [week(KEY_A, "2020-03-01", [1, 2, 3, 4, 5, 6, 7])])
    b = write_csv(tmp_path / "d" / "monday.csv", [week(KEY_A, MON, [2, 3, 4, 5, 6, 70, 8])])
    refused(some_store, [tmp_path / "d"], str(a), str(b), "overlapping weeks", "field 'visits_by_day'",
            f"{KEY_A} on 2020-03-07: 7 in sunday.csv, 70 in monday.csv")


def test_malformed_brands(tmp_path: Path, some_store: Store) -> None:
    f = one(tmp_path, brands='["FreshCo", ')
    refused(some_store, [f], str(f), "field 'brands'", "a JSON list, a comma-separated string", '["FreshCo", ')


def test_category_and_region_are_required(tmp_path: Path, some_store: Store) -> None:
    f = one(tmp_path, top_category="", region=None)
    refused(some_store, [f], "field 'top_category'", "field 'region'", "non-empty business category")


def test_a_missing_file(tmp_path: Path, some_store: Store) -> None:
    refused(some_store, [tmp_path / "nope.csv"], "nope.csv", "not found")


def test_a_folder_without_patterns_files(tmp_path: Path, some_store: Store) -> None:
    (tmp_path / "empty").mkdir()
    refused(some_store, [tmp_path / "empty"], "no weekly patterns files")


def test_manifest_and_release_id_together_are_refused(tmp_path: Path, some_store: Store) -> None:
    f = one(tmp_path)
    refused(some_store, [f], "either --release-id", manifest=tmp_path / "release.toml")


def test_a_bad_release_id(tmp_path: Path, some_store: Store) -> None:
    with pytest.raises(ContractError, match="--release-id"):
        import_patterns(some_store, [one(tmp_path)], release_id="no spaces")


# The rules the import leaves to the snapshot's check (ingest's read_checked_snapshot, then the full check for
# the message): still refused whole, naming the column and the value.
def test_counts_over_the_per_row_limit(tmp_path: Path, some_store: Store) -> None:
    f = one(tmp_path, visits_by_day="[1,2,3,4,5,6,2000000000]")
    refused(some_store, [f], "field 'visits'", "at most 1e+09 per row", "2000000000")


def test_a_week_beyond_the_date_limits(tmp_path: Path, some_store: Store) -> None:
    f = one(tmp_path, date_range_start="2090-01-02", date_range_end="2090-01-09")
    refused(some_store, [f], "field 'date'", "must lie from 1990-01-01", "2090-01-0")


def test_control_characters_in_a_place_name(tmp_path: Path, some_store: Store) -> None:
    f = one(tmp_path, location_name="Evil\x1b[31mName")
    refused(some_store, [f], "field 'name'", "control characters", KEY_A)


def test_control_characters_in_the_source(tmp_path: Path, some_store: Store) -> None:
    refused(some_store, [one(tmp_path)], "field 'source'", "control characters", source="evil\x1b[2J",
            components={"vendor": "v1"})
