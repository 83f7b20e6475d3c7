"""Ingest (DESIGN section 3): every bad snapshot is refused whole, good ones land complete and atomically.

Each refusal test checks the error type and exit code, that the message names the file, the field,
the rule and an offending example, and that the store is byte-identical afterwards (and, when there
was no store yet, that none was created).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from snapshots import daily_rows, manifest_text, write_snapshot

from dashboard.errors import ContractError, NotFoundError, RelcheckError
from dashboard.store.catalog import Store, append_jsonl, read_jsonl
from dashboard.store.contract import MAX_STRING, ValidationFailed
from dashboard.store.ingest import SPILL_PREFIX, ingest_release

# ----------------------------------------------------------------------------- data


def base_places() -> list[dict[str, Any]]:
    return [
        {"place_id": "p1", "name": "FreshCo Main St", "brand": "FreshCo", "category": "Grocery Stores",
         "region": "NE", "latitude": 40.7, "longitude": -74.0},
        {"place_id": "p2", "name": "ValueMart", "brand": "ValueMart", "category": "Grocery Stores",
         "region": "W", "latitude": 34.0, "longitude": -118.2},
        {"place_id": "p3", "name": "Corner Gym", "brand": None, "category": "Fitness Centers",
         "region": "W", "latitude": -33.9, "longitude": 151.2},
    ]


def base_visits() -> list[dict[str, Any]]:
    return (
        daily_rows("p1", "2026-01-01", [10, 12, 0, 14])
        + daily_rows("p1", "2026-01-01", [3, 4, 5, 6], source="sdk_b")
        + daily_rows("p2", "2026-01-01", [7.5, 8, 9, 1])
        + daily_rows("p3", "2026-01-02", [2, 2, 2])
    )


def snapshot(tmp_path: Path, name: str = "snap", release_id: str = "r1", visits: Any = None,
             places: Any = None, fmt: str = "parquet", **manifest: Any) -> Path:
    return write_snapshot(
        tmp_path / name, release_id,
        base_visits() if visits is None else visits,
        base_places() if places is None else places,
        fmt=fmt, **manifest,
    )


def with_row(rows: list[dict[str, Any]], index: int = 0, **changes: Any) -> list[dict[str, Any]]:
    out = [dict(r) for r in rows]
    out[index].update(changes)
    return out


def iso_dates(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**r, "date": r["date"].isoformat() if isinstance(r["date"], dt.date) else r["date"]} for r in rows]


def write_visits_parquet(folder: Path, rows: list[dict[str, Any]]) -> None:
    """Parquet straight from Python values: keeps NaN as NaN (pandas would turn it into null)."""
    pq.write_table(pa.Table.from_pylist(rows), folder / "visits.parquet")


# ------------------------------------------------------------------- store state


def tree_state(root: Path) -> dict[str, str] | None:
    """Every file (by content hash) and folder under root; None when root does not exist."""
    if not root.exists():
        return None
    state = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        state[rel] = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "<dir>"
    return state


@pytest.fixture(scope="session")
def populated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding one release and one promotion, built once and copied per test."""
    root = tmp_path_factory.mktemp("template")
    store = Store(root / "store")
    ingest_release(store, snapshot(root, release_id="existing-1"))
    store.promote("existing-1", by="test", reason="fixture")
    return store.home


@pytest.fixture
def populated(populated_template: Path, tmp_path: Path) -> Store:
    home = tmp_path / "populated_store"
    shutil.copytree(populated_template, home)
    return Store(home)


def refuse(folder: Path, populated: Store, tmp_path: Path, expect: type[RelcheckError], **kwargs: Any) -> Any:
    """Ingest must fail with ``expect`` (exit code 2) into a missing store (creating nothing) and into a
    populated one (changing nothing)."""
    fresh = Store(tmp_path / "no_store_yet")
    with pytest.raises(RelcheckError) as first:
        ingest_release(fresh, folder, **kwargs)
    assert not fresh.home.exists(), "a refused ingest created the store folder"

    before = tree_state(populated.home)
    with pytest.raises(RelcheckError) as second:
        ingest_release(populated, folder, **kwargs)
    assert tree_state(populated.home) == before, "a refused ingest changed the store"
    assert populated.release_ids() == ["existing-1"]

    assert type(first.value) is type(second.value) is expect, f"{type(second.value).__name__}: {second.value}"
    assert str(first.value) == str(second.value)
    err = second.value
    assert err.exit_code == 2
    return err


def problem(err: RelcheckError, file: Path, field: str | None) -> ContractError:
    """The one problem of err about this file and field (err is a ContractError or ValidationFailed)."""
    problems = err.problems if isinstance(err, ValidationFailed) else [err]
    assert all(isinstance(p, ContractError) for p in problems)
    hits = [p for p in problems if p.file == str(file) and p.field == field]
    assert hits, f"no problem about {file} / {field!r} in:\n{err}"
    assert len(hits) == 1, f"several problems about {file} / {field!r} in:\n{err}"
    return hits[0]


def check_message(err: RelcheckError, file: Path, field: str | None, rule: str, *examples: str) -> ContractError:
    """The structured problem and the text the user sees both carry file, field, rule and examples."""
    p = problem(err, file, field)
    assert rule in p.rule, f"rule {rule!r} not in {p.rule!r}"
    text = str(err)
    prefix = f"{file}, field '{field}': " if field is not None else f"{file}: "
    line = next((line for line in text.splitlines() if prefix in line), None)
    assert line is not None, f"no line starting {prefix!r} in:\n{text}"
    assert rule in line, line
    for ex in examples:
        assert ex in line, f"example {ex!r} not shown in: {line}"
    return p


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
    assert not first.folder.exists(), "the replaced release's folder was kept"
    assert second.folder.is_dir() and second.folder != first.folder
    assert second.sequence == first.sequence
    assert store.release("r1").folder == second.folder
    catalog = json.loads(store.catalog_path.read_text())
    assert store.home / catalog["releases"]["r1"]["folder"] == second.folder
    manifest = json.loads((second.folder / "manifest.json").read_text())
    assert manifest["checksum"] == second.checksum == catalog["releases"]["r1"]["checksum"]
    assert second.checksum != first.checksum
    assert duckdb.sql(f"SELECT max(visits) FROM '{second.visits_path}'").fetchall()[0][0] == 1000.0
    assert list((store.home / "releases" / "r1").iterdir()) == [second.folder]


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


# ------------------------------------------------------- current and candidate


def ingest_kinds(tmp_path: Path, store: Store, specs: list[tuple[str, str, str]]) -> None:
    for rid, kind, created in specs:
        extra = {"base": "r1"} if kind == "ablation" else {}
        ingest_release(store, snapshot(tmp_path, name=rid, release_id=rid, kind=kind, created_at=created, **extra))


def test_current_and_default_candidate(tmp_path: Path, store: Store) -> None:
    ingest_kinds(tmp_path, store, [
        ("ab-0", "ablation", "2026-12-30T00:00:00Z"),   # ingested first, but an ablation is never current
        ("r1", "release", "2026-10-01T00:00:00Z"),
        ("r3", "release", "2026-11-01T00:00:00Z"),
        ("r2", "release", "2026-11-15T00:00:00Z"),     # ingested after r3 but created later: the candidate
        ("ab-1", "ablation", "2027-01-01T00:00:00Z"),  # newest of all, still never a candidate
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


# ---------------------------------------------------------------- crash safety


def relcheck_exe() -> str:
    return shutil.which("relcheck") or str(Path(sys.executable).parent / "relcheck")


def big_snapshot(folder: Path, release_id: str, n_rows: int) -> Path:
    n_places = 1000
    days = n_rows // n_places
    start = dt.date(2025, 1, 1)
    dates = [(start + dt.timedelta(days=d)).isoformat() for d in range(days)]
    visits = pd.DataFrame({
        "place_id": [f"p{i:05d}" for i in range(n_places) for _ in range(days)],
        "date": dates * n_places,
        "source": "sdk_a",
        "visits": [float(i % 97) for i in range(n_places * days)],
    })
    places = pd.DataFrame({"place_id": [f"p{i:05d}" for i in range(n_places)], "name": "n", "brand": "b",
                           "category": "c", "region": "r"})
    return write_snapshot(folder, release_id, visits, places, fmt="csv")


def staged_pids(store: Store) -> list[str]:
    """The pids written into staging folders so far (a .pid may exist a moment before its content)."""
    pids = []
    for pid_file in store.staging_dir().glob("*/.pid"):
        try:
            pids.append(pid_file.read_text())
        except OSError:
            continue
    return [p for p in pids if p]


def test_kill_during_ingest_leaves_no_partial_release(tmp_path: Path, populated_template: Path) -> None:
    n_rows = 300_000
    for attempt in range(3):
        store = Store(tmp_path / f"store{attempt}")
        shutil.copytree(populated_template, store.home)
        catalog_before = store.catalog_path.read_bytes()
        folder = big_snapshot(tmp_path / f"big{attempt}", "big", n_rows)
        proc = subprocess.Popen([relcheck_exe(), "ingest", str(folder), "--home", str(store.home)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        killed = False
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and proc.poll() is None:
            if staged_pids(store):  # staged and being written
                proc.send_signal(signal.SIGKILL)
                killed = True
                break
            time.sleep(0.001)
        _, stderr = proc.communicate(timeout=15)
        if killed and store.release_ids() == ["existing-1"]:
            break
        # Too late: the ingest finished (or published) before the kill. Try again with a bigger file.
        assert killed or proc.returncode == 0, stderr.decode()
        n_rows *= 2
    else:
        pytest.fail("the ingest always finished before it could be killed")
    assert proc.returncode == -signal.SIGKILL

    # Nothing of the killed ingest is visible: same catalog, same releases, no release folder.
    assert store.catalog_path.read_bytes() == catalog_before
    assert store.release_ids() == ["existing-1"]
    assert not (store.home / "releases" / "big").exists()
    assert len(list(store.staging_dir().iterdir())) == 1
    assert staged_pids(store) == [str(proc.pid)]
    spill = f"{SPILL_PREFIX}{proc.pid}-*"
    assert list(Path(tempfile.gettempdir()).glob(spill)), "the killed ingest's spill folder is left behind"

    # The next ingest works and sweeps the dead ingest's staging and spill folders.
    rel = ingest_release(store, snapshot(tmp_path, name="after", release_id="after-crash"))
    assert store.release_ids() == ["existing-1", "after-crash"]
    assert rel.rows == len(base_visits())
    assert list(store.staging_dir().iterdir()) == []
    assert not list(Path(tempfile.gettempdir()).glob(spill))


def test_failure_while_writing_leaves_nothing(tmp_path: Path, populated: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    before = tree_state(populated.home)

    def boom(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(Store, "publish", boom)
    with pytest.raises(OSError, match="disk full"):
        ingest_release(populated, snapshot(tmp_path))
    assert tree_state(populated.home) == before
    assert list(populated.staging_dir().iterdir()) == []


def test_cleanup_spares_live_staging_and_removes_dead(tmp_path: Path, store: Store) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    sdir = store.staging_dir()
    for name, pid in [("live", str(os.getpid())), ("dead", str(dead.pid)), ("garbled", "not a pid")]:
        (sdir / name).mkdir(parents=True)
        (sdir / name / ".pid").write_text(pid)
    (sdir / "nopid").mkdir()
    ingest_release(store, snapshot(tmp_path))
    assert sorted(p.name for p in sdir.iterdir()) == ["live"]


def test_concurrent_cleanup_does_not_remove_an_ingest_about_to_publish(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another ingest's cleanup may run at any moment before publish; the staged release must survive it."""
    original = Store.publish

    def publish_after_a_cleanup(self: Store, entry: dict[str, Any], staged: Path, replace: bool) -> Any:
        with Store(self.home).writer_lock():
            Store(self.home).clean_stale_staging()  # what a second `relcheck ingest` does first
        return original(self, entry, staged, replace)

    monkeypatch.setattr(Store, "publish", publish_after_a_cleanup)
    rel = ingest_release(store, snapshot(tmp_path))
    assert rel.visits_path.is_file()
    assert not (rel.folder / ".pid").exists()


# ----------------------------------------------------------------- jsonl logs


def _append_many(path: str, writer: int, count: int, go: Any) -> None:
    go.wait(10)
    for i in range(count):
        append_jsonl(Path(path), {"writer": writer, "seq": i, "pad": f"{writer}" * 3000})


def test_concurrent_appends_keep_every_line(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "signoffs.jsonl"
    ctx = multiprocessing.get_context("fork")  # the children only append to a file
    go = ctx.Event()
    procs = [ctx.Process(target=_append_many, args=(str(log), w, 200, go)) for w in (1, 2)]
    for p in procs:
        p.start()
    go.set()
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    lines = log.read_bytes().split(b"\n")
    assert lines[-1] == b"" and len(lines) == 401
    records = [json.loads(line) for line in lines[:-1]]
    for w in (1, 2):
        mine = [r for r in records if r["writer"] == w]
        assert [r["seq"] for r in mine] == list(range(200))
        assert all(r["pad"] == f"{w}" * 3000 for r in mine)
    assert read_jsonl(log) == records


def test_read_jsonl_ignores_a_torn_last_line(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    append_jsonl(log, {"a": 1})
    with open(log, "ab") as fh:
        fh.write(b'{"a": 2, "tor')
    assert read_jsonl(log) == [{"a": 1}]
    assert read_jsonl(tmp_path / "absent.jsonl") == []


def test_orphan_release_folder_from_a_crash_before_the_catalog_is_removed(tmp_path):
    """A folder moved into releases/ but never named in the catalog is invisible and cleaned up."""
    from snapshots import daily_rows as _rows
    from snapshots import write_snapshot as _write

    from dashboard.store.catalog import Store as _Store
    from dashboard.store.ingest import ingest_release as _ingest

    st = _Store(tmp_path / "store")
    places = [{"place_id": "p1", "brand": "A", "category": "Grocery", "region": "W"}]
    _write(tmp_path / "r1", "r1", _rows("p1", "2026-11-02", [1, 2, 3]), places)
    _ingest(st, tmp_path / "r1")
    orphan = st.home / "releases" / "ghost" / "deadbeef"
    orphan.mkdir(parents=True)
    (orphan / "visits.parquet").write_bytes(b"half")
    assert st.release_ids() == ["r1"]
    _write(tmp_path / "r2", "r2", _rows("p1", "2026-11-02", [1, 2, 3]), places)
    _ingest(st, tmp_path / "r2")
    assert not (st.home / "releases" / "ghost").exists()
    assert st.release_ids() == ["r1", "r2"]
    assert all(r.visits_path.exists() for r in st.releases())
