"""Ingest on Spark (``relcheck ingest --engine spark``, issue 13): the same contract, the same store layout.

The snapshot is read and checked by Spark with the contract's own code and query files
(:func:`dashboard.store.contract.validate_snapshot` over the Spark engine, so the same rules and messages, exit
2); its files are written by Spark into a staged folder and published (:meth:`Store.publish`) only after every
write finished, as :mod:`dashboard.store.ingest` does. Each file is one Parquet file, as every reader of the
store opens it (Spark reads it in parallel, a task per row group). Not done on Spark: the ENUM columns
(DuckDB-only; the files hold the same strings) and the per-place-range rollup for big releases (Spark
aggregates out of core by itself).
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

from dashboard.errors import RelcheckError
from dashboard.sql.engine import EngineSettings
from dashboard.store.catalog import Release, Store, utc_now
from dashboard.store.contract import read_checked_snapshot, validate_snapshot
from dashboard.store.ingest import FLAGS, NAMES, Progress, _sha256
from dashboard.store.manifest import check_base

#: What is written, in order: file, query, its inputs.
OUTPUTS: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("visits.parquet", "ingest_visits_out", FLAGS),
    ("place_source.parquet", "ingest_place_source", FLAGS),
    ("place_daily.parquet", "ingest_place_daily", FLAGS),
    ("places.parquet", "ingest_places_out", {"places_flags": "places_flags"}),
)


def ingest_release_spark(store: Store, folder: Path | str, settings: EngineSettings, replace: bool = False,
                         delimiter: str = ",", progress: Progress | None = None, checked: bool = False,
                         provenance: dict[str, Any] | None = None) -> Release:
    """Add one release folder to the store, checked and written by Spark; a bad snapshot changes nothing."""
    from dashboard.sql import spark_engine  # pyspark: only when a Spark ingest runs

    folder = Path(folder)
    report = progress or (lambda stage, done, total: None)
    con = spark_engine.connect(settings)
    try:
        report("validating", 0, 4)
        snap = (read_checked_snapshot if checked else validate_snapshot)(folder, con, delimiter=delimiter)
        rid = snap.manifest.release_id
        if not replace and store.exists() and rid in store.release_ids():
            raise RelcheckError(f"release '{rid}' already exists in {store.home}; use --replace to replace it")
        stored = store.releases() if store.exists() else []
        check_base(snap.manifest, snap.manifest_file, {r.release_id: (r.kind, r.components) for r in stored})
        checksum = _sha256([snap.manifest_file, snap.visits_file, snap.places_file])
        with store.writer_lock():
            store.clean_stale_staging()
            staged = store.staging_dir() / f"{uuid.uuid4().hex}"
            staged.mkdir(parents=True)
            (staged / ".pid").write_text(str(os.getpid()))
        try:
            for i, (file, query, inputs) in enumerate(OUTPUTS):
                report(f"writing {file}", 1 + min(i, 2), 4)
                if query == "ingest_place_daily" and snap.daily_unique:
                    query = "ingest_place_daily_unique"
                con.write_parquet(con.relation(query, inputs=inputs), staged / file)
            coverage = con.run("ingest_coverage", inputs=NAMES).rows()
            for file, _query, _inputs in OUTPUTS:
                with open(staged / file, "rb") as fh:
                    os.fsync(fh.fileno())
            entry = _entry(snap, folder, checksum, coverage, provenance)
            (staged / "manifest.json").write_text(json.dumps(entry, indent=1, sort_keys=True), encoding="utf-8")
            release = store.publish(entry, staged, replace=replace)
        except BaseException:
            shutil.rmtree(staged, ignore_errors=True)
            raise
        report("done", 4, 4)
        return release
    finally:
        con.close()


def _entry(snap: Any, folder: Path, checksum: str, coverage: list[tuple[Any, ...]],
           provenance: dict[str, Any] | None) -> dict[str, Any]:
    """The release's catalog entry, field for field as :func:`dashboard.store.ingest.ingest_release` makes it."""
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
