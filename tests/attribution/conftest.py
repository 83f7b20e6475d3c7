"""Fixtures of the attribution tests: a store with a source x region fault, a store with place churn."""

from __future__ import annotations

from typing import Any

import pytest
from attribution.attribution_support import (
    churn_world,
    fault_world,
    ingest,
)

from dashboard.store.catalog import Store


@pytest.fixture(scope="module")
def fault_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    root = tmp_path_factory.mktemp("fault")
    store = Store(root / "store")
    places, cur, cand = fault_world()
    ingest(store, root, "cur", cur, places, components={"source_ingest": "v1"}, created_at="2026-01-10T00:00:00Z")
    ingest(store, root, "cand", cand, places, components={"source_ingest": "v2"}, created_at="2026-01-20T00:00:00Z")
    return store


@pytest.fixture(scope="module")
def churn(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, dict[str, Any]]:
    root = tmp_path_factory.mktemp("churn")
    store = Store(root / "store")
    w = churn_world()
    ingest(store, root, "cur", w["cur"], w["cur_places"], components={"poi_db": "a", "attribution": "x"},
           created_at="2026-01-10T00:00:00Z")
    ingest(store, root, "cand", w["cand"], w["cand_places"], components={"poi_db": "b", "attribution": "x"},
           created_at="2026-01-20T00:00:00Z")
    return store, w
