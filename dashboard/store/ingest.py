"""Ingest: validate a snapshot completely, write it aside, then publish it atomically."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dashboard.errors import RelcheckError
from dashboard.sql import budget
from dashboard.store import place_parts
from dashboard.store.catalog import Release, Store, utc_now
from dashboard.store.contract import Snapshot, read_checked_snapshot, validate_snapshot
from dashboard.store.manifest import check_base

if TYPE_CHECKING:
    from dashboard.sql.duckdb_engine import DuckDBEngine

Progress = Callable[[str, int, int], None]

SPILL_PREFIX = "relcheck-ingest-"
#: The files of a stored release besides its manifest.json.
STORED_FILES = ("visits.parquet", "place_daily.parquet", "place_source.parquet", "places.parquet",
                "label_daily.parquet")
#: Rollups a reader falls back from when absent (the patterns import writes no label_daily.parquet).
OPTIONAL_FILES = ("label_daily.parquet",)


def _spill_folder() -> Path:
    """A private folder for DuckDB's spill files, named after this process, under $RELCHECK_SPILL_DIR or the
    system's temporary folder (never the store: a refused snapshot must leave the store untouched).

    Those of ingests killed before their cleanup (their process is gone) are removed first.
    """
    plan = budget.current()
    budget.spill_path(plan, SPILL_PREFIX)  # makes the parent (or says it cannot be used); sweeps dead ingests'
    return Path(tempfile.mkdtemp(prefix=f"{SPILL_PREFIX}{os.getpid()}-", dir=plan.spill_parent))


def _connect(spill: Path) -> DuckDBEngine:
    """An in-memory engine within the memory budget ($RELCHECK_MEMORY), spilling to ``spill`` (removed by the
    caller). Insertion order is not preserved: every file the ingest writes is either ordered by its query or
    read only by aggregates, so DuckDB may stream and spill each step in any order, at any size."""
    from dashboard.sql import duckdb_engine  # heavy (duckdb): only when an ingest runs

    return duckdb_engine.connect(temp_directory=spill, preserve_order=False)


FLAGS = {"visits_flags": "visits_flags"}
NAMES = {"visits_names": "visits_names"}  # the distinct (source, segment) pairs, kept by the contract


def _write_rollups(con: DuckDBEngine, snap: Snapshot, staged: Path, scratch: Path,
                   doing: Callable[[str], None]) -> None:
    """place_source.parquet and place_daily.parquet: each in one query, or, for a big release, from its visits
    split by part of places (done while checking it, or here for a checked snapshot), part after part: linear
    in the rows, each aggregate within the budget, the files' rows and order as one query's. A split release's
    per-source rollup may be written already (Snapshot.source_rollup: checking its key wrote it)."""
    doing("writing the per-place, per-source rollup")
    split = snap.split
    if split is None:
        parts = place_parts.part_count(int(snap.profile["visits"]["rows"]))
        if parts > 1:
            split = place_parts.split_visits(con, int(snap.profile["places"]["rows"]), parts, scratch / "parts")
    if snap.source_rollup is not None:  # written while checking the key
        shutil.move(snap.source_rollup, staged / "place_source.parquet")
    elif split is not None:
        first_date = snap.profile["visits"]["first_date"]
        place_parts.write_source_rollup(con, split, staged / "place_source.parquet", first_date)
    else:
        con.write_parquet(con.relation("ingest_place_source", inputs=FLAGS), staged / "place_source.parquet")
    doing("writing the per-place daily rollup")
    if snap.daily_unique:  # one source, one segment: the rollup is the visits themselves (no grouping)
        con.write_parquet(con.relation("ingest_place_daily_unique", inputs=FLAGS), staged / "place_daily.parquet")
    elif split is not None:
        place_parts.write_daily_rollup(con, split, staged / "place_daily.parquet")
    else:
        con.write_parquet(con.relation("ingest_place_daily", inputs=FLAGS), staged / "place_daily.parquet")
    shutil.rmtree(scratch / "parts", ignore_errors=True)


def write_label_daily(con: Any, folder: Path) -> None:
    """label_daily.parquet, daily visits per category, region and brand, from the place-day rollup and the
    places written in ``folder`` just before: a comparison by one of these labels reads a few thousand rows
    instead of every place-day. The DuckDB and the Spark ingest write it; the patterns import does not."""
    con.register_parquet("written_daily", folder / "place_daily.parquet")
    con.register_parquet("written_places", folder / "places.parquet")
    for label in ("category", "region", "brand"):
        con.materialise(f"label_sums_{label}", "ingest_label_day_sums",
                        inputs={"daily_in": "written_daily", "places_in": "written_places"}, attribute=label)
    parts = {"label_sums_category": "label_sums_category", "label_sums_region": "label_sums_region",
             "label_sums_brand": "label_sums_brand"}
    con.write_parquet(con.relation("ingest_label_daily", inputs=parts), folder / "label_daily.parquet")
    for name in ("written_daily", "written_places", *parts):
        con.drop(name)


def file_checksum(paths: list[Path]) -> str:
    """sha256 of the files' names and bytes, in the order given: the release's fingerprint in the catalog."""
    digest = hashlib.sha256()
    for p in paths:
        digest.update(p.name.encode())
        with open(p, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return "sha256:" + digest.hexdigest()


def new_staging(store: Store) -> Path:
    """A fresh staging folder holding this process's .pid, made under the writer lock, so another ingest's
    cleanup never sees it before its .pid (every engine's ingest and the patterns import stage here)."""
    with store.writer_lock():
        store.clean_stale_staging()
        staged = store.staging_dir() / uuid.uuid4().hex
        staged.mkdir(parents=True)
        (staged / ".pid").write_text(str(os.getpid()))
    return staged


def check_new_release(store: Store, snap: Any, replace: bool) -> None:
    """Refuse a release id already stored (without ``replace``) and a replicate whose base does not fit."""
    rid = snap.manifest.release_id
    if not replace and store.exists() and rid in store.release_ids():
        raise RelcheckError(f"release '{rid}' already exists in {store.home}; use --replace to replace it")
    stored = store.releases() if store.exists() else []
    check_base(snap.manifest, snap.manifest_file, {r.release_id: (r.kind, r.components) for r in stored})


def catalog_entry(snap: Any, folder: Path, checksum: str, coverage: list[tuple[Any, ...]],
                  provenance: dict[str, Any] | None) -> dict[str, Any]:
    """The release's catalog entry from its checked snapshot, whichever engine wrote the files."""
    vprof, m = snap.profile["visits"], snap.manifest
    return {
        "release_id": m.release_id, "kind": m.kind, "created_at": m.created_at, "description": m.description,
        "base": m.base, "components": m.components, "ingested_at": utc_now(), "checksum": checksum,
        "source_folder": str(folder.resolve()), "rows": int(vprof["rows"]),
        "places": int(snap.profile["places"]["rows"]), "first_date": str(vprof["first_date"]),
        "last_date": str(vprof["last_date"]),
        "sources": [v for k, v in coverage if k == "source"], "segments": [v for k, v in coverage if k == "segment"],
        "has_raw_visits": bool(vprof["raw_visits_rows"]),
        "provenance": provenance or {"format": "snapshot", "files": [
            p.name for p in (snap.manifest_file, snap.visits_file, snap.places_file)]},
    }


def written_files(folder: Path) -> list[str]:
    """The stored files a release folder must hold: every one of STORED_FILES but an optional one not written."""
    return [name for name in STORED_FILES if name not in OPTIONAL_FILES or (folder / name).exists()]


def publish_staged(store: Store, staged: Path, entry: dict[str, Any], replace: bool) -> Release:
    """Make the staged files durable, write their manifest and publish them as one release (atomic)."""
    for name in written_files(staged):
        with open(staged / name, "rb") as fh:
            os.fsync(fh.fileno())
    (staged / "manifest.json").write_text(json.dumps(entry, indent=1, sort_keys=True), encoding="utf-8")
    return store.publish(entry, staged, replace=replace)


def ingest_release(
    store: Store,
    folder: Path | str,
    replace: bool = False,
    delimiter: str = ",",
    progress: Progress | None = None,
    checked: bool = False,
    provenance: dict[str, Any] | None = None,
) -> Release:
    """Add one release folder to the store; a bad snapshot leaves the store untouched.

    ``checked``: the snapshot was written by relcheck from rows it checked itself (a patterns import), so it
    is read by ``read_checked_snapshot``, without a second grouping of every visit. ``provenance``: how the
    release came in, kept in its manifest (default: a snapshot and its file names; dashboard.store.provenance).
    """
    folder = Path(folder)
    report = progress or (lambda stage, done, total: None)
    doing = ["validating the snapshot"]

    def step(stage: str, done: int, total: int, what: str | None = None) -> None:
        doing[0] = what or stage
        report(stage, done, total)

    spill = _spill_folder()
    con = _connect(spill / "duckdb")
    try:
        step("validating", 0, 4, "validating the snapshot")
        snap = (read_checked_snapshot(folder, con, delimiter=delimiter) if checked
                else validate_snapshot(folder, con, delimiter=delimiter, split_into=spill / "parts"))
        check_new_release(store, snap, replace)
        checksum = file_checksum([snap.manifest_file, snap.visits_file, snap.places_file])
        staged = new_staging(store)
        try:
            step("writing visits", 1, 4)
            if snap.split is not None:  # a big release: its split visits, grouped by ranges of places
                visits = place_parts.visits_out(con, snap.split)
            else:
                visits = con.relation("ingest_visits_out", inputs=FLAGS)
            visits = con.with_enums(visits, place_parts.name_types(con))
            con.write_parquet(visits, staged / "visits.parquet")
            step("writing rollups", 2, 4, "writing the per-place, per-source rollup")
            _write_rollups(con, snap, staged, spill, lambda what: doing.__setitem__(0, what))
            step("writing places", 3, 4)
            places = con.relation("ingest_places_out", inputs={"places_flags": "places_flags"})
            con.write_parquet(places, staged / "places.parquet")
            doing[0] = "writing the per-label daily rollup"
            write_label_daily(con, staged)
            coverage = con.run("ingest_coverage", inputs=NAMES).rows()
            entry = catalog_entry(snap, folder, checksum, coverage, provenance)
            release = publish_staged(store, staged, entry, replace)
        except BaseException:
            shutil.rmtree(staged, ignore_errors=True)
            raise
        step("done", 4, 4)
        return release
    except Exception as exc:
        ran_out = exc if isinstance(exc, budget.ResourceError) else budget.explain(exc)
        if ran_out is None:
            raise
        raise budget.ResourceError(f"ingest of {folder} stopped while {doing[0]}: {ran_out}") from None
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)
