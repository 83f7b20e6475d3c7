"""The chaos tests' world: one tiny ingested release and its stakeholders, built once per test module."""

from __future__ import annotations

from typing import Any

import pytest
from chaos_world import build_world

from dashboard.store.catalog import Store


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, Any]:
    return build_world(tmp_path_factory.mktemp("chaos"))
