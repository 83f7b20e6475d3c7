"""The gate log (every recorded run, with its provenance) and a metric across consecutive releases."""

from __future__ import annotations

from pathlib import Path

import pytest
from gate_world import (
    FRESHCO_LEVEL,
    KEY_LEVEL,
    STAKEHOLDERS_TOML,
    stakeholders,
)

from dashboard.acceptance.gate_log import stakeholders_checksum
from dashboard.acceptance.history import gate_history, metric_history
from dashboard.acceptance.service import run_gate
from dashboard.errors import RelcheckError
from dashboard.stakeholders import load_stakeholders
from dashboard.store.catalog import Store


@pytest.fixture
def store(gate_store: Store) -> Store:
    return gate_store


# -------------------------------------------------------------------------------------------- history


def test_gate_runs_are_recorded(store: Store) -> None:
    sh = stakeholders()
    assert gate_history(store) == []
    g1 = run_gate(store, "r1", "r2", sh, attribute=False)
    run_gate(store, "r1", "r2", sh, record=False, attribute=False)
    g2 = run_gate(store, "r2", "r3", sh, attribute=False)
    runs = gate_history(Store(store.home))  # a fresh Store reads the same log
    assert [(r["current"], r["candidate"], r["verdict"]) for r in runs] == [("r1", "r2", "fail"), ("r2", "r3", "pass")]
    assert [r["id"] for r in runs] == [g1.run_id, g2.run_id]
    assert runs[0]["counts"] == g1.counts
    assert runs[0]["stakeholders"] == "<test stakeholders>"
    assert runs[0]["stakeholders_checksum"] == stakeholders_checksum(sh)
    assert runs[0]["window"] == {"start": "2026-01-05", "end": "2026-01-25"}
    assert runs[0]["at"].endswith("Z")
    assert gate_history(store, current="r2") == runs[1:]


def test_stakeholders_checksum_of_a_file(tmp_path: Path) -> None:

    path = tmp_path / "stakeholders.toml"
    path.write_text(STAKEHOLDERS_TOML, encoding="utf-8")
    import hashlib

    want = "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    assert stakeholders_checksum(load_stakeholders(path)) == want
    assert stakeholders_checksum(stakeholders()).startswith("content-sha256:")
    other = stakeholders(STAKEHOLDERS_TOML.replace("max = 100.0", "max = 99.0"))
    assert stakeholders_checksum(other) != stakeholders_checksum(stakeholders())


def test_metric_history_across_consecutive_releases(store: Store) -> None:
    rows = metric_history(store, "customer:freshco", "level_change_pct", stakeholders())
    # Ordered by created_at (r1, r2, r3), not by ingest order (r3 was ingested first).
    assert [(r["current"], r["candidate"]) for r in rows] == [("r1", "r2"), ("r2", "r3")]
    assert rows[0]["value"] == pytest.approx(FRESHCO_LEVEL)
    assert rows[1]["value"] == pytest.approx(0.0)
    assert [c["status"] for c in rows[0]["criteria"]] == ["fail"]
    assert rows[0]["criteria"][0]["criterion"] == KEY_LEVEL
    assert [c["status"] for c in rows[1]["criteria"]] == ["pass"]
    only = metric_history(store, "category:Coffee", "places_current", stakeholders(), releases=["r2", "r1"])
    assert [(r["current"], r["candidate"], r["value"]) for r in only] == [("r1", "r2", 1)]
    with pytest.raises(RelcheckError, match="unknown metric"):
        metric_history(store, "all", "nope", stakeholders())
