"""Ingest refuses a bad snapshot whole: missing or ambiguous files, bad manifests, wrong or missing columns.

Each refusal checks the error type and exit code, the message (file, field, rule, an example) and that the
store is byte-identical afterwards (and, with no store yet, that none was created).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from snapshots import manifest_text
from store.ingest_support import (
    base_places,
    base_visits,
    check_message,
    refuse,
    snapshot,
)

from dashboard.errors import ContractError
from dashboard.store.catalog import Store
from dashboard.store.contract import ValidationFailed
from dashboard.store.ingest import ingest_release

# --------------------------------------------------------------- refusals: files


def test_missing_release_toml(tmp_path: Path, populated: Store) -> None:
    folder = snapshot(tmp_path)
    (folder / "release.toml").unlink()
    err = refuse(folder, populated, tmp_path, ContractError)
    check_message(err, folder / "release.toml", None, "release.toml is required")


@pytest.mark.parametrize("stem", ["visits", "places"])
def test_missing_data_file(tmp_path: Path, populated: Store, stem: str) -> None:
    folder = snapshot(tmp_path)
    (folder / f"{stem}.parquet").unlink()
    err = refuse(folder, populated, tmp_path, ContractError)
    # The message names the file it looked for and every accepted spelling of it.
    check_message(err, folder / f"{stem}.parquet", None, "missing", f"{stem}.csv", f"{stem}.csv.gz")


def test_not_a_folder(tmp_path: Path, populated: Store) -> None:
    err = refuse(tmp_path / "nowhere", populated, tmp_path, ContractError)
    check_message(err, tmp_path / "nowhere", None, "is not a folder")


def test_two_visits_files_are_ambiguous(tmp_path: Path, populated: Store) -> None:
    folder = snapshot(tmp_path)
    pd.DataFrame(base_visits()).to_csv(folder / "visits.csv", index=False)
    err = refuse(folder, populated, tmp_path, ContractError)
    check_message(err, folder, None, "more than one visits file", "visits.parquet", "visits.csv")


@pytest.mark.parametrize("name", ["visits.csv", "places.csv", "visits.parquet"])
def test_empty_file(tmp_path: Path, populated: Store, name: str) -> None:
    folder = snapshot(tmp_path, fmt="parquet" if name.endswith("parquet") else "csv")
    (folder / name).write_bytes(b"")
    err = refuse(folder, populated, tmp_path, ContractError)
    check_message(err, folder / name, None, "file is empty")


@pytest.mark.parametrize("name, header", [
    ("visits.csv", "place_id,date,source,visits"),
    ("places.csv", "place_id,name,brand,category,region"),
])
def test_header_only_csv(tmp_path: Path, populated: Store, name: str, header: str) -> None:
    folder = snapshot(tmp_path, fmt="csv")
    (folder / name).write_text(header + "\n")
    err = refuse(folder, populated, tmp_path, ValidationFailed)
    check_message(err, folder / name, None, "has no rows")


def test_semicolon_csv_suggests_delimiter_then_ingests_with_it(tmp_path: Path, populated: Store) -> None:
    folder = snapshot(tmp_path, fmt="csv")
    for name in ("visits.csv", "places.csv"):
        df = pd.read_csv(folder / name)
        df.to_csv(folder / name, index=False, sep=";")
    err = refuse(folder, populated, tmp_path, ContractError)
    check_message(err, folder / "visits.csv", None, "pass --delimiter ';'", "place_id;date;source;visits")

    rel = ingest_release(populated, folder, delimiter=";")
    assert rel.rows == len(base_visits()) and rel.places == 3
    stored = duckdb.sql(f"SELECT sum(visits) FROM '{rel.visits_path}'").fetchall()[0][0]
    assert stored == pytest.approx(sum(r["visits"] for r in base_visits()))


# ------------------------------------------------------------ refusals: manifest


@pytest.mark.parametrize("release_id", ["../evil", "a b", "-x", "a" * 65, "", "r1/../../x"])
def test_bad_release_id(tmp_path: Path, populated: Store, release_id: str) -> None:
    folder = snapshot(tmp_path, release_id=release_id)
    err = refuse(folder, populated, tmp_path, ContractError)
    check_message(err, folder / "release.toml", "release_id", "must match [A-Za-z0-9]", release_id)
    assert not (tmp_path / "evil").exists()


def test_longest_release_id_is_accepted(tmp_path: Path, store: Store) -> None:
    rid = "a" + "b" * 63
    assert ingest_release(store, snapshot(tmp_path, release_id=rid)).release_id == rid


def test_malformed_toml(tmp_path: Path, populated: Store) -> None:
    folder = snapshot(tmp_path)
    (folder / "release.toml").write_text('release_id = "r1\ncreated_at = 2026-11-20T10:00:00Z\n')
    err = refuse(folder, populated, tmp_path, ContractError)
    # The parser's position is the offending example.
    check_message(err, folder / "release.toml", None, "malformed TOML", "line 1")


def test_manifest_that_is_not_utf8(tmp_path: Path, populated: Store) -> None:
    folder = snapshot(tmp_path)
    (folder / "release.toml").write_bytes('release_id = "caf\u00e9"\n'.encode("latin-1"))
    err = refuse(folder, populated, tmp_path, ContractError)
    check_message(err, folder / "release.toml", None, "not valid UTF-8 at byte 17")


def test_unknown_manifest_key_suggests_the_right_one(tmp_path: Path, populated: Store) -> None:
    folder = snapshot(tmp_path)
    (folder / "release.toml").write_text(manifest_text("r1").replace("description", "descripton"))
    err = refuse(folder, populated, tmp_path, ContractError)
    check_message(err, folder / "release.toml", "descripton", "unknown key", "did you mean 'description'")


def test_ablation_without_base(tmp_path: Path, populated: Store) -> None:
    folder = snapshot(tmp_path, kind="ablation")
    err = refuse(folder, populated, tmp_path, ContractError)
    check_message(err, folder / "release.toml", "base", "an ablation run needs the release id it starts from", "None")


def test_base_on_a_release_is_refused(tmp_path: Path, populated: Store) -> None:
    folder = snapshot(tmp_path, kind="release", base="existing-1")
    err = refuse(folder, populated, tmp_path, ContractError)
    check_message(err, folder / "release.toml", "base", "only an ablation run has a base", "existing-1")


# ------------------------------------------------------------- refusals: columns


def test_missing_required_column(tmp_path: Path, populated: Store) -> None:
    visits = [{k: v for k, v in r.items() if k != "source"} for r in base_visits()]
    folder = snapshot(tmp_path, visits=visits)
    err = refuse(folder, populated, tmp_path, ValidationFailed)
    # The example is the header that was found.
    check_message(err, folder / "visits.parquet", "source", "required column is missing", "place_id, date, visits")


def test_missing_required_places_column_in_csv(tmp_path: Path, populated: Store) -> None:
    places = pd.DataFrame(base_places()).drop(columns=["category"])
    folder = snapshot(tmp_path, places=places, fmt="csv")
    err = refuse(folder, populated, tmp_path, ValidationFailed)
    check_message(err, folder / "places.csv", "category", "required column is missing", "place_id, name, brand")


def test_misspelled_column_suggests_the_right_name(tmp_path: Path, populated: Store) -> None:
    visits = [{("vists" if k == "visits" else k): v for k, v in r.items()} for r in base_visits()]
    folder = snapshot(tmp_path, visits=visits, fmt="csv")
    err = refuse(folder, populated, tmp_path, ValidationFailed)
    check_message(err, folder / "visits.csv", "vists", "unknown column", "did you mean 'visits'?")
    check_message(err, folder / "visits.csv", "visits", "required column is missing", "vists")


def test_upper_case_column_is_pointed_at(tmp_path: Path, populated: Store) -> None:
    places = pd.DataFrame(base_places()).rename(columns={"region": "Region"})
    folder = snapshot(tmp_path, places=places)
    err = refuse(folder, populated, tmp_path, ValidationFailed)
    check_message(err, folder / "places.parquet", "Region", "unknown column", "columns are lower case: 'region'")


def test_parquet_visits_as_string(tmp_path: Path, populated: Store) -> None:
    visits = [{**r, "visits": str(r["visits"])} for r in base_visits()]
    folder = snapshot(tmp_path, visits=visits)
    err = refuse(folder, populated, tmp_path, ValidationFailed)
    # The example shows the value as it was stored: a quoted string.
    check_message(err, folder / "visits.parquet", "visits", "wrong type VARCHAR: expected", "DOUBLE", "'10.0'")


@pytest.mark.parametrize("stem", ["places", "visits"])
def test_parquet_place_id_as_integer(tmp_path: Path, populated: Store, stem: str) -> None:
    ids = {"p1": 101, "p2": 102, "p3": 103}
    places, visits = base_places(), base_visits()
    rows = places if stem == "places" else visits
    for r in rows:
        r["place_id"] = ids[r["place_id"]]
    folder = snapshot(tmp_path, places=places, visits=visits)
    err = refuse(folder, populated, tmp_path, ValidationFailed)
    check_message(err, folder / f"{stem}.parquet", "place_id", "wrong type BIGINT: expected VARCHAR", "101")


def test_parquet_all_null_optional_columns_are_accepted(tmp_path: Path, store: Store) -> None:
    """An all-null column (pyarrow type null) is a legal nullable column, not a wrong type."""
    places = [{**p, "brand": None, "city": None} for p in base_places()]
    folder = snapshot(tmp_path, places=places)
    assert pq.read_schema(folder / "places.parquet").field("brand").type == pa.null()
    rel = ingest_release(store, folder)
    brands = duckdb.sql(f"SELECT count(brand), count(*) FROM '{rel.places_path}'").fetchall()[0]
    assert brands == (0, 3)


