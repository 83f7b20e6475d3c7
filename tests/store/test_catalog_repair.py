"""A missing or corrupt catalog is an error that says how to rebuild it, never a reason to delete; repair
rebuilds it from the manifests; replaced folders are retired, then swept after the grace period."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from store.ingest_support import base_visits, snapshot, tree_state, with_row

from dashboard.errors import RelcheckError
from dashboard.store import catalog as catalog_module
from dashboard.store.catalog import RETIRED_GRACE_SECONDS, CatalogError, Store
from dashboard.store.ingest import ingest_release
from dashboard.store.repair import repair_catalog


def three_releases(tmp_path: Path, store: Store) -> None:
    """r1, r2, r3 ingested in that order; r1 replaced afterwards (keeps its place); r2 promoted."""
    for rid, created in (("r1", "2026-11-01T00:00:00Z"), ("r2", "2026-11-02T00:00:00Z"), ("r3", "2026-11-03T00:00:00Z")):
        ingest_release(store, snapshot(tmp_path, name=rid, release_id=rid, created_at=created))
    ingest_release(store, snapshot(tmp_path, name="r1b", release_id="r1", visits=with_row(base_visits(), 0, visits=99.0)),
                   replace=True)
    store.promote("r2", by="test")


def listing(store: Store) -> list[dict]:
    return [r.to_dict() for r in store.releases()]


@pytest.mark.parametrize("damage", ["missing", "truncated", "empty object", "a list", "not utf-8"])
def test_damaged_catalog_refuses_ingest_and_deletes_nothing(tmp_path: Path, store: Store, damage: str) -> None:
    three_releases(tmp_path, store)
    text = store.catalog_path.read_text()
    if damage == "missing":
        store.catalog_path.unlink()
    else:
        store.catalog_path.write_bytes({"truncated": text[: len(text) // 2].encode(), "empty object": b"{}",
                                        "a list": b"[]", "not utf-8": b"\xff\xfe{"}[damage])
    before = tree_state(store.home)
    for replace in (False, True):
        with pytest.raises(CatalogError) as exc:
            ingest_release(store, snapshot(tmp_path, name="r4", release_id="r4"), replace=replace)
        assert exc.value.exit_code == 2
        assert "relcheck repair" in str(exc.value) and "nothing was changed or deleted" in str(exc.value)
        assert tree_state(store.home) == before, "a refused ingest changed the store"
    with pytest.raises(CatalogError, match="relcheck repair"):
        store.releases()
    assert store.exists()


def test_repair_restores_the_releases_exactly(tmp_path: Path, store: Store) -> None:
    three_releases(tmp_path, store)
    before, current = listing(store), store.current_id()
    catalog_before = json.loads(store.catalog_path.read_text())
    store.catalog_path.unlink()
    report = repair_catalog(store)
    assert report.repaired and report.releases == ["r1", "r2", "r3"] and not report.sequence_guessed
    assert len(report.retired_skipped) == 1  # r1's first folder
    assert listing(store) == before and store.current_id() == current
    assert json.loads(store.catalog_path.read_text()) == catalog_before
    ingest_release(store, snapshot(tmp_path, name="r4", release_id="r4"))
    assert store.release_ids() == ["r1", "r2", "r3", "r4"]


def test_repair_keeps_a_corrupt_catalog_aside(tmp_path: Path, store: Store) -> None:
    three_releases(tmp_path, store)
    before = listing(store)
    store.catalog_path.write_text('{"format": 1, "rel')
    report = repair_catalog(store)
    assert report.corrupt_copy is not None and report.corrupt_copy.read_text() == '{"format": 1, "rel'
    assert listing(store) == before


def test_repair_leaves_a_good_catalog_alone(tmp_path: Path, store: Store) -> None:
    three_releases(tmp_path, store)
    before = tree_state(store.home)
    assert not repair_catalog(store).repaired
    assert tree_state(store.home) == before


def test_repair_of_old_manifests_orders_by_ingest_time(tmp_path: Path, store: Store) -> None:
    """Manifests written before they carried the sequence: the order comes from ingested_at."""
    for rid in ("b", "a", "c"):
        ingest_release(store, snapshot(tmp_path, name=rid, release_id=rid))
    for rel in store.releases():
        manifest = json.loads((rel.folder / "manifest.json").read_text())
        del manifest["sequence"]
        (rel.folder / "manifest.json").write_text(json.dumps(manifest))
    before = listing(store)
    store.catalog_path.unlink()
    report = repair_catalog(store)
    assert report.sequence_guessed == ["b", "a", "c"]
    assert listing(store) == before


@pytest.mark.parametrize("damage", ["two live folders", "no manifest", "manifest of another release"])
def test_repair_refuses_to_guess(tmp_path: Path, store: Store, damage: str) -> None:
    three_releases(tmp_path, store)
    r3 = store.release("r3").folder
    store.catalog_path.unlink()
    if damage == "two live folders":
        (r3.parent / "0000extra").mkdir()
    elif damage == "no manifest":
        (r3 / "manifest.json").unlink()
    else:
        manifest = json.loads((r3 / "manifest.json").read_text())
        (r3 / "manifest.json").write_text(json.dumps({**manifest, "release_id": "r2"}))
    before = tree_state(store.home)
    with pytest.raises(RelcheckError) as exc:
        repair_catalog(store)
    assert exc.value.exit_code == 2 and "without guessing" in str(exc.value) and "r3" in str(exc.value)
    assert tree_state(store.home) == before


def test_replaced_folder_is_kept_then_swept_after_the_grace_period(tmp_path: Path, store: Store) -> None:
    first = ingest_release(store, snapshot(tmp_path, name="v1"))
    ingest_release(store, snapshot(tmp_path, name="v2", visits=with_row(base_visits(), 0, visits=5.0)), replace=True)
    ingest_release(store, snapshot(tmp_path, name="other", release_id="other"))
    assert (first.folder / "visits.parquet").exists(), "a young retired folder was swept"
    old = time.time() - RETIRED_GRACE_SECONDS - 60
    os.utime(first.folder / catalog_module.RETIRED_MARKER, (old, old))
    ingest_release(store, snapshot(tmp_path, name="another", release_id="another"))
    assert not first.folder.exists()
    assert store.release("r1").visits_path.exists()
