"""How each release came in (issue 16, point 6): snapshot ingest or patterns import, its files, rows, warnings."""

from __future__ import annotations

import json
from pathlib import Path

from patterns_fixtures import KEY_A, week, write_csv
from store.ingest_support import snapshot

from dashboard.store.catalog import Release, Store
from dashboard.store.ingest import ingest_release
from dashboard.store.patterns import import_patterns
from dashboard.store.provenance import PATTERNS, SNAPSHOT, release_provenance


def drop_manifest_provenance(release: Release) -> None:
    """As a release ingested before manifests recorded how it came in."""
    path = release.folder / "manifest.json"
    manifest = json.loads(path.read_text())
    del manifest["provenance"]
    path.write_text(json.dumps(manifest))


def test_a_snapshot_ingest_names_its_folder_and_files(tmp_path: Path, store: Store) -> None:
    folder = snapshot(tmp_path, fmt="csv")
    rel = ingest_release(store, folder)
    p = release_provenance(store, rel)
    assert (p.format, p.files, p.folder) == (SNAPSHOT, ("release.toml", "visits.csv", "places.csv"),
                                             str(folder.resolve()))
    assert (p.rows, p.places, p.weekly_rows, p.warnings) == (rel.rows, 3, None, ())
    assert p.how.startswith("snapshot ingest") and p.files_known


def test_a_patterns_import_names_its_files_rows_and_warnings(tmp_path: Path, store: Store) -> None:
    a = write_csv(tmp_path / "w1.csv", [week(KEY_A, "2020-03-02", [1] * 7)])
    b = write_csv(tmp_path / "w3.csv", [week(KEY_A, "2020-03-16", [2] * 7)])
    result = import_patterns(store, [a, b], release_id="p1")
    p = release_provenance(store, result.release)
    assert (p.format, p.files, p.folder) == (PATTERNS, (str(a), str(b)), None)
    assert (p.rows, p.places, p.weekly_rows) == (14, 1, 2)
    assert p.warnings == tuple(result.warnings) and p.warnings[0].startswith("gap: 7 days")
    assert p.how.startswith("weekly patterns import")
    # Without the manifest's entry (an import made before it existed), the import log still tells.
    drop_manifest_provenance(result.release)
    assert release_provenance(store, result.release) == p


def test_an_older_snapshot_ingest_is_a_snapshot_of_unknown_files(tmp_path: Path, store: Store) -> None:
    rel = ingest_release(store, snapshot(tmp_path))
    drop_manifest_provenance(rel)
    p = release_provenance(store, rel)
    assert (p.format, p.files, p.files_known) == (SNAPSHOT, (), False)
    assert p.folder == str((tmp_path / "snap").resolve())


def test_a_replaced_import_tells_the_newest_story(tmp_path: Path, store: Store) -> None:
    import_patterns(store, [write_csv(tmp_path / "a.csv", [week(KEY_A, "2020-03-02", [1] * 7)])], release_id="p1")
    rel = ingest_release(store, snapshot(tmp_path, release_id="p1"), replace=True)
    assert release_provenance(store, rel).format == SNAPSHOT
