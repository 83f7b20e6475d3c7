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

import shutil
from pathlib import Path
from typing import Any

from dashboard.sql.engine import EngineSettings
from dashboard.store.catalog import Release, Store
from dashboard.store.contract import read_checked_snapshot, validate_snapshot
from dashboard.store.ingest import (
    FLAGS,
    NAMES,
    Progress,
    catalog_entry,
    check_new_release,
    file_checksum,
    new_staging,
    publish_staged,
    write_label_daily,
)

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
        check_new_release(store, snap, replace)
        checksum = file_checksum([snap.manifest_file, snap.visits_file, snap.places_file])
        staged = new_staging(store)
        try:
            for i, (file, query, inputs) in enumerate(OUTPUTS):
                report(f"writing {file}", 1 + min(i, 2), 4)
                if query == "ingest_place_daily" and snap.daily_unique:
                    query = "ingest_place_daily_unique"
                con.write_parquet(con.relation(query, inputs=inputs), staged / file)
            write_label_daily(con, staged)
            coverage = con.run("ingest_coverage", inputs=NAMES).rows()
            entry = catalog_entry(snap, folder, checksum, coverage, provenance)
            release = publish_staged(store, staged, entry, replace)
        except BaseException:
            shutil.rmtree(staged, ignore_errors=True)
            raise
        report("done", 4, 4)
        return release
    finally:
        con.close()

