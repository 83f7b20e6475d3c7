"""Rebuild a missing or corrupt catalog.json from the release folders on disk (``relcheck repair``).

Every published folder holds a ``manifest.json`` with the catalog entry it was published under (since
this change also its ``sequence``), so the catalog is recoverable. What cannot be recovered, and how it
is filled in:

- the ingest order (``sequence``) of folders written before manifests carried it: taken from the order of
  ``ingested_at``. It differs from the lost order only for a release replaced with ``--replace`` (which
  kept its first place); it decides the default current release when nothing was promoted.
- ``next_sequence``: one past the highest sequence found.

Logs (promotions, sign-offs, gate runs) are separate files and never touched. When a release has two
candidate folders that are not marked retired (a crash during a replace), or a folder whose manifest is
missing or unreadable, repair refuses (exit 2) and names them, rather than guess which one was live.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dashboard.errors import RelcheckError
from dashboard.store.catalog import RETIRED_MARKER, CatalogError, Store, utc_now
from dashboard.store.manifest import RELEASE_ID

#: Files a folder must hold to back a release (place_source.parquet is absent from old stores).
REQUIRED_FILES = ("manifest.json", "visits.parquet", "places.parquet", "place_daily.parquet")
ENTRY_KEYS = ("release_id", "kind", "created_at", "ingested_at", "checksum")


@dataclass
class RepairReport:
    """What ``repair_catalog`` did: the releases it named, and what it set aside."""

    repaired: bool
    releases: list[str] = field(default_factory=list)
    retired_skipped: list[str] = field(default_factory=list)
    corrupt_copy: Path | None = None
    sequence_guessed: list[str] = field(default_factory=list)


def _read_manifest(folder: Path) -> dict[str, Any] | None:
    """The folder's catalog entry, or None when it is missing, unreadable or not for this release."""
    missing = [name for name in REQUIRED_FILES if not (folder / name).is_file()]
    if missing:
        return None
    try:
        entry = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(entry, dict) or any(k not in entry for k in ENTRY_KEYS):
        return None
    if entry["release_id"] != folder.parent.name:
        return None
    return entry


def _catalog_is_fine(store: Store) -> bool:
    try:
        store.releases()
    except CatalogError:
        return False
    return store.catalog_path.exists()


def repair_catalog(store: Store) -> RepairReport:
    """Rebuild catalog.json from ``releases/<id>/<folder>/manifest.json``; a readable catalog is left alone.

    A corrupt catalog is kept beside the new one as ``catalog.json.corrupt-<time>``, never deleted.
    """
    with store.writer_lock():
        if _catalog_is_fine(store):
            return RepairReport(repaired=False, releases=store.release_ids())
        root = store.home / "releases"
        chosen: dict[str, tuple[Path, dict[str, Any]]] = {}
        problems: list[str] = []
        report = RepairReport(repaired=True)
        for release_dir in sorted(root.iterdir()) if root.is_dir() else ():
            if not release_dir.is_dir():
                continue
            if not RELEASE_ID.fullmatch(release_dir.name):
                problems.append(f"{release_dir}: not a release id; move it out of {root}")
                continue
            live = [f for f in sorted(release_dir.iterdir()) if f.is_dir() and not (f / RETIRED_MARKER).exists()]
            report.retired_skipped += [str(f) for f in release_dir.iterdir() if (f / RETIRED_MARKER).exists()]
            if not live:
                continue
            if len(live) > 1:
                problems.append(f"release '{release_dir.name}' has {len(live)} folders and none is marked retired "
                                f"({', '.join(f.name for f in live)}); move the one that is not wanted out of {root}")
                continue
            entry = _read_manifest(live[0])
            if entry is None:
                problems.append(f"{live[0]}: no readable manifest.json with the release's files "
                                f"({', '.join(REQUIRED_FILES)}); re-ingest the release, or move the folder out")
                continue
            chosen[release_dir.name] = (live[0], entry)
        if problems:
            raise RelcheckError("cannot rebuild the catalog without guessing; nothing was changed:\n"
                                + "\n".join(f"  - {p}" for p in problems))
        if not chosen:
            raise RelcheckError(f"no release folder with a manifest under {root}; nothing to rebuild the catalog from")

        releases: dict[str, dict[str, Any]] = {}
        known = [e.get("sequence") for _, e in chosen.values() if isinstance(e.get("sequence"), int)]
        next_sequence = max(known, default=0) + 1
        for rid, (folder, entry) in sorted(chosen.items(), key=lambda kv: (kv[1][1]["ingested_at"], kv[0])):
            entry = dict(entry)
            if not isinstance(entry.get("sequence"), int):
                entry["sequence"] = next_sequence
                next_sequence += 1
                report.sequence_guessed.append(rid)
            entry["folder"] = str(folder.relative_to(store.home))
            releases[rid] = entry
        if store.catalog_path.exists():
            aside = store.catalog_path.with_name(f"catalog.json.corrupt-{utc_now().replace(':', '')}")
            store.catalog_path.rename(aside)
            report.corrupt_copy = aside
        store._write_catalog({"format": 1, "next_sequence": next_sequence, "releases": releases})
        report.releases = [rid for rid, _ in sorted(releases.items(), key=lambda kv: kv[1]["sequence"])]
        return report
