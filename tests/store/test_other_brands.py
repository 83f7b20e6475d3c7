"""The contract's optional places column other_brands (issue 16): kept as given, empty = none, checked like the rest."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from store.ingest_support import base_places, snapshot, with_row

from dashboard.store.catalog import Store
from dashboard.store.contract import ValidationFailed
from dashboard.store.ingest import ingest_release


def stored(store: Store, rid: str = "r1") -> list[tuple[str, str | None, str | None]]:
    q = "SELECT place_id, brand, other_brands FROM read_parquet($p) ORDER BY place_id"
    return duckdb.execute(q, {"p": str(store.release(rid).places_path)}).fetchall()


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_other_brands_are_stored_and_empty_is_none(tmp_path: Path, store: Store, fmt: str) -> None:
    places = with_row(with_row(base_places(), 0, other_brands="Lincoln, Mercury"), 1, other_brands="")
    ingest_release(store, snapshot(tmp_path, places=places, fmt=fmt))
    assert stored(store) == [("p1", "FreshCo", "Lincoln, Mercury"), ("p2", "ValueMart", None), ("p3", None, None)]


def test_without_the_column_it_is_null(tmp_path: Path, store: Store) -> None:
    ingest_release(store, snapshot(tmp_path))
    assert [r[2] for r in stored(store)] == [None, None, None]


def test_control_characters_in_other_brands_are_refused(tmp_path: Path, store: Store) -> None:
    places = with_row(base_places(), 0, other_brands="Lincoln\x1b[31m")
    with pytest.raises(ValidationFailed, match="control characters") as exc:
        ingest_release(store, snapshot(tmp_path, places=places, fmt="csv"))
    assert exc.value.problems[0].field == "other_brands"
    assert not store.exists() or store.release_ids() == []


def test_a_number_typed_other_brands_is_refused(tmp_path: Path, store: Store) -> None:
    places = [{**p, "other_brands": 7} for p in base_places()]
    with pytest.raises(ValidationFailed, match="wrong type") as exc:
        ingest_release(store, snapshot(tmp_path, places=places))
    assert exc.value.problems[0].field == "other_brands"
