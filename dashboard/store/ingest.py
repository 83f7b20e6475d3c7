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

import duckdb

from dashboard.errors import RelcheckError
from dashboard.sql import files as queries
from dashboard.store.catalog import Release, Store, utc_now
from dashboard.store.contract import validate_snapshot

Progress = Callable[[str, int, int], None]

#: DuckDB's memory budget during an ingest. The per place and day rollup of a big release (tens of millions of
#: groups) spills to a private temporary folder beyond it, so an ingest streams at any size; raise it with
#: RELCHECK_INGEST_MEMORY (a DuckDB size, e.g. "4GB") on a machine with memory to spare.
MEMORY_LIMIT = "1GB"


SPILL_PREFIX = "relcheck-ingest-"


def _spill_folder() -> Path:
    """A private temporary folder for DuckDB's spill files, named after this process.

    Those of ingests killed before their cleanup (their process is gone) are removed first.
    """
    for old in Path(tempfile.gettempdir()).glob(f"{SPILL_PREFIX}*"):
        pid = old.name[len(SPILL_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"{SPILL_PREFIX}{os.getpid()}-"))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _connect(spill: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with a memory budget and a spill folder (removed by the caller)."""
    return duckdb.connect(":memory:", config={
        "memory_limit": os.environ.get("RELCHECK_INGEST_MEMORY") or MEMORY_LIMIT,
        "temp_directory": str(spill),
    })


def _as_enums(con: duckdb.DuckDBPyConnection, rel: duckdb.DuckDBPyRelation, enums: dict[str, str]) -> duckdb.DuckDBPyRelation:
    """``rel`` with some string columns cast to ENUM types (column -> the query creating its type).

    DuckDB then writes such a column's Parquet dictionary straight from the ENUM codes instead of hashing
    tens of millions of strings (a third less CPU for the visits file); the file holds the same strings.
    """
    types = {}
    for column, query in enums.items():
        queries.run(con, query).fetchall()
        types[column] = con.type(ENUM_TYPES[query])
    return rel.project(*[
        duckdb.ColumnExpression(c).cast(types[c]).alias(c) if c in types else duckdb.ColumnExpression(c)
        for c in rel.columns
    ])


#: The ENUM type each ingest_*_type query creates. (Not place_id: grouping a big release's place-day rollup by
#: an ENUM of hundreds of thousands of ids holds memory outside DuckDB's budget, over 1.3 GB at 500,000 places.)
ENUM_TYPES = {"ingest_source_type": "ingest_source", "ingest_segment_type": "ingest_segment"}


def _sha256(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for p in paths:
        digest.update(p.name.encode())
        with open(p, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return "sha256:" + digest.hexdigest()


def ingest_release(
    store: Store,
    folder: Path | str,
    replace: bool = False,
    delimiter: str = ",",
    progress: Progress | None = None,
) -> Release:
    """Add one release folder to the store; a bad snapshot leaves the store untouched."""
    folder = Path(folder)
    step = progress or (lambda stage, done, total: None)
    # Spill files go to the system's temporary folder: a refused snapshot must leave the store untouched.
    spill = _spill_folder()
    con = _connect(spill / "duckdb")
    try:
        step("validating", 0, 4)
        snap = validate_snapshot(folder, con, delimiter=delimiter)
        rid = snap.manifest.release_id
        if not replace and store.exists() and rid in store.release_ids():
            raise RelcheckError(f"release '{rid}' already exists in {store.home}; use --replace to replace it")
        checksum = _sha256([snap.manifest_file, snap.visits_file, snap.places_file])

        # Under the writer lock, so another ingest's cleanup never sees this folder before its .pid.
        with store.writer_lock():
            store.clean_stale_staging()
            staged = store.staging_dir() / f"{uuid.uuid4().hex}"
            staged.mkdir(parents=True)
            (staged / ".pid").write_text(str(os.getpid()))
        try:
            step("writing visits", 1, 4)
            visits = queries.relation(con, "ingest_visits_out")
            visits = _as_enums(con, visits, {"source": "ingest_source_type", "segment": "ingest_segment_type"})
            visits.write_parquet(str(staged / "visits.parquet"), compression="zstd")
            step("writing rollups", 2, 4)
            queries.relation(con, "ingest_place_source").write_parquet(str(staged / "place_source.parquet"), compression="zstd")
            queries.relation(con, "ingest_place_daily").write_parquet(str(staged / "place_daily.parquet"), compression="zstd")
            step("writing places", 3, 4)
            queries.relation(con, "ingest_places_out").write_parquet(str(staged / "places.parquet"), compression="zstd")
            coverage = queries.run(con, "ingest_coverage").fetchall()
            for name in ("visits.parquet", "place_daily.parquet", "place_source.parquet", "places.parquet"):
                with open(staged / name, "rb") as fh:
                    os.fsync(fh.fileno())
            vprof = snap.profile["visits"]
            m = snap.manifest
            entry = {
                "release_id": rid,
                "kind": m.kind,
                "created_at": m.created_at,
                "description": m.description,
                "base": m.base,
                "components": m.components,
                "ingested_at": utc_now(),
                "checksum": checksum,
                "source_folder": str(folder.resolve()),
                "rows": int(vprof["rows"]),
                "places": int(snap.profile["places"]["rows"]),
                "first_date": str(vprof["first_date"]),
                "last_date": str(vprof["last_date"]),
                "sources": [v for k, v in coverage if k == "source"],
                "segments": [v for k, v in coverage if k == "segment"],
                "has_raw_visits": bool(vprof["raw_visits_rows"]),
            }
            (staged / "manifest.json").write_text(json.dumps(entry, indent=1, sort_keys=True), encoding="utf-8")
            release = store.publish(entry, staged, replace=replace)
        except BaseException:
            shutil.rmtree(staged, ignore_errors=True)
            raise
        step("done", 4, 4)
        return release
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)
