"""Helpers of the Spark parity tests (tests/sql/spark): run a block on an engine, compare results."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from typing import Any

from dashboard.sql import engine
from dashboard.sql.engine import EngineSettings


@contextlib.contextmanager
def running_on(settings: EngineSettings) -> Iterator[None]:
    """Run the block's queries on that engine (what --engine / $RELCHECK_ENGINE choose)."""
    before = engine._chosen
    engine._chosen = settings
    try:
        yield
    finally:
        engine._chosen = before


def same(a: Any, b: Any, path: str = "", rel: float = 1e-9) -> list[str]:
    """Where two JSON-like results differ: floats beyond ``rel`` (absolute 1e-9 near zero), anything else at all."""
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return [f"{path}: keys {sorted(set(a) ^ set(b))}"]
        return [d for k in a for d in same(a[k], b[k], f"{path}.{k}", rel)]
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            return [f"{path}: {len(a)} vs {len(b)} items"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in same(x, y, f"{path}[{i}]", rel)]
    if isinstance(a, float) and isinstance(b, (int, float)) or isinstance(b, float) and isinstance(a, (int, float)):
        if math.isnan(a) and math.isnan(b):
            return []
        if not math.isclose(a, b, rel_tol=rel, abs_tol=1e-9):
            return [f"{path}: {a!r} vs {b!r}"]
        return []
    return [] if a == b else [f"{path}: {a!r} vs {b!r}"]
