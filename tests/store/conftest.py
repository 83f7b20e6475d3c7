"""Fixtures of the store tests: a populated store built once and copied per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from store.ingest_support import snapshot

from dashboard.store.catalog import Store
from dashboard.store.ingest import ingest_release


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

