"""How a release came into the store: a snapshot ingest or a weekly patterns import, its files, rows and warnings.

Read from the ``provenance`` entry ingest writes into the release's manifest.json; a patterns import made before
that entry existed is found in ``logs/imports.jsonl`` by its checksum; an older snapshot ingest from the
manifest's ``source_folder`` alone (its file names were not recorded).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from dashboard.store.catalog import Release, Store
from dashboard.store.patterns import import_record

SNAPSHOT = "snapshot"
PATTERNS = "weekly patterns"
HOW = {SNAPSHOT: "snapshot ingest (relcheck ingest)", PATTERNS: "weekly patterns import (relcheck import patterns)"}


@dataclass(frozen=True)
class Provenance:
    """What the Releases page says about one release's arrival."""

    release_id: str
    format: str  # SNAPSHOT or PATTERNS
    files: tuple[str, ...]  # as given at ingest (a snapshot's: the names inside its folder)
    folder: str | None  # a snapshot's folder
    rows: int  # visit rows stored
    places: int
    weekly_rows: int | None  # a patterns import's rows, one per place and week
    warnings: tuple[str, ...]
    at: str
    files_known: bool = True  # False for a snapshot ingested before the file names were recorded

    @property
    def how(self) -> str:
        return HOW.get(self.format, self.format)


def _manifest(release: Release) -> dict[str, Any]:
    try:
        return json.loads((release.folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def release_provenance(store: Store, release: Release) -> Provenance:
    """How ``release`` came in, from its manifest, else the import log, else as a snapshot of unknown files."""
    manifest = _manifest(release)
    rec = manifest.get("provenance") or import_record(store, release)
    folder = manifest.get("source_folder")
    if rec is None:
        return Provenance(release.release_id, SNAPSHOT, (), folder, release.rows, release.places, None, (),
                          release.ingested_at, files_known=False)
    fmt = rec.get("format", SNAPSHOT)
    return Provenance(
        release_id=release.release_id,
        format=fmt,
        files=tuple(str(f) for f in rec.get("files", ())),
        folder=folder if fmt == SNAPSHOT else None,
        rows=release.rows,
        places=release.places,
        weekly_rows=rec.get("weekly_rows"),
        warnings=tuple(str(w) for w in rec.get("warnings", ())),
        at=release.ingested_at,
    )
