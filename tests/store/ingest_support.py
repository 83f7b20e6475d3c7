"""Helpers of the ingest tests: small snapshots, the store's state, and checks of a refusal's message."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from snapshots import daily_rows, write_snapshot

from dashboard.errors import ContractError, RelcheckError
from dashboard.store.catalog import Store
from dashboard.store.contract import ValidationFailed
from dashboard.store.ingest import ingest_release

# ----------------------------------------------------------------------------- data


def base_places() -> list[dict[str, Any]]:
    return [
        {"place_id": "p1", "name": "FreshCo Main St", "brand": "FreshCo", "category": "Grocery Stores",
         "region": "NE", "latitude": 40.7, "longitude": -74.0},
        {"place_id": "p2", "name": "ValueMart", "brand": "ValueMart", "category": "Grocery Stores",
         "region": "W", "latitude": 34.0, "longitude": -118.2},
        {"place_id": "p3", "name": "Corner Gym", "brand": None, "category": "Fitness Centers",
         "region": "W", "latitude": -33.9, "longitude": 151.2},
    ]


def base_visits() -> list[dict[str, Any]]:
    return (
        daily_rows("p1", "2026-01-01", [10, 12, 0, 14])
        + daily_rows("p1", "2026-01-01", [3, 4, 5, 6], source="sdk_b")
        + daily_rows("p2", "2026-01-01", [7.5, 8, 9, 1])
        + daily_rows("p3", "2026-01-02", [2, 2, 2])
    )


def snapshot(tmp_path: Path, name: str = "snap", release_id: str = "r1", visits: Any = None,
             places: Any = None, fmt: str = "parquet", **manifest: Any) -> Path:
    return write_snapshot(
        tmp_path / name, release_id,
        base_visits() if visits is None else visits,
        base_places() if places is None else places,
        fmt=fmt, **manifest,
    )


def with_row(rows: list[dict[str, Any]], index: int = 0, **changes: Any) -> list[dict[str, Any]]:
    out = [dict(r) for r in rows]
    out[index].update(changes)
    return out


def iso_dates(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**r, "date": r["date"].isoformat() if isinstance(r["date"], dt.date) else r["date"]} for r in rows]


def write_visits_parquet(folder: Path, rows: list[dict[str, Any]]) -> None:
    """Parquet straight from Python values: keeps NaN as NaN (pandas would turn it into null)."""
    pq.write_table(pa.Table.from_pylist(rows), folder / "visits.parquet")


# ------------------------------------------------------------------- store state


def tree_state(root: Path) -> dict[str, str] | None:
    """Every file (by content hash) and folder under root; None when root does not exist."""
    if not root.exists():
        return None
    state = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        state[rel] = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "<dir>"
    return state



def refuse(folder: Path, populated: Store, tmp_path: Path, expect: type[RelcheckError], **kwargs: Any) -> Any:
    """Ingest must fail with ``expect`` (exit code 2) into a missing store (creating nothing) and into a
    populated one (changing nothing)."""
    fresh = Store(tmp_path / "no_store_yet")
    with pytest.raises(RelcheckError) as first:
        ingest_release(fresh, folder, **kwargs)
    assert not fresh.home.exists(), "a refused ingest created the store folder"

    before = tree_state(populated.home)
    with pytest.raises(RelcheckError) as second:
        ingest_release(populated, folder, **kwargs)
    assert tree_state(populated.home) == before, "a refused ingest changed the store"
    assert populated.release_ids() == ["existing-1"]

    assert type(first.value) is type(second.value) is expect, f"{type(second.value).__name__}: {second.value}"
    assert str(first.value) == str(second.value)
    err = second.value
    assert err.exit_code == 2
    return err


def problem(err: RelcheckError, file: Path, field: str | None) -> ContractError:
    """The one problem of err about this file and field (err is a ContractError or ValidationFailed)."""
    problems = err.problems if isinstance(err, ValidationFailed) else [err]
    assert all(isinstance(p, ContractError) for p in problems)
    hits = [p for p in problems if p.file == str(file) and p.field == field]
    assert hits, f"no problem about {file} / {field!r} in:\n{err}"
    assert len(hits) == 1, f"several problems about {file} / {field!r} in:\n{err}"
    return hits[0]


def check_message(err: RelcheckError, file: Path, field: str | None, rule: str, *examples: str) -> ContractError:
    """The structured problem and the text the user sees both carry file, field, rule and examples."""
    p = problem(err, file, field)
    assert rule in p.rule, f"rule {rule!r} not in {p.rule!r}"
    text = str(err)
    prefix = f"{file}, field '{field}': " if field is not None else f"{file}: "
    line = next((line for line in text.splitlines() if prefix in line), None)
    assert line is not None, f"no line starting {prefix!r} in:\n{text}"
    assert rule in line, line
    for ex in examples:
        assert ex in line, f"example {ex!r} not shown in: {line}"
    return p


