"""`relcheck sample --format patterns` (issue 16, point 5): the demo releases also as weekly patterns files, and
`relcheck import patterns` of them gives the visits the snapshot ingest gave."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from dashboard.cli import main
from dashboard.store.catalog import Store


def test_sample_format_patterns_round_trips_through_import(tmp_path: Path, demo_sample, sample_store: Store,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    result, _ = demo_sample
    # The simulator already ran for the session: the command gets its result instead of simulating again,
    # cut to the current release (writing all 14 as patterns files would only repeat the same work).
    current = next(d for d in result.release_dirs if d.name == result.current_id)
    cut = dataclasses.replace(result, release_dirs=[current], release_ids=[result.current_id])
    monkeypatch.setattr("dashboard.simulator.core.generate", lambda out, **kw: cut)
    out = tmp_path / "data" / "releases"
    runner = CliRunner()
    res = runner.invoke(main, ["sample", "--format", "patterns", "--no-ingest", "--out", str(out)])
    assert res.exit_code == 0, res.output
    folder = tmp_path / "data" / "patterns" / result.current_id
    assert f"as weekly patterns files to {tmp_path / 'data' / 'patterns'}" in res.output
    assert len(list(folder.glob("patterns-*.csv.gz"))) == 16

    home = tmp_path / "store"
    res = runner.invoke(main, ["import", "patterns", str(folder), "--release-id", "rt", "--home", str(home)])
    assert res.exit_code == 0, res.output
    q = "SELECT place_id || ' ' || date, sum(visits) FROM read_parquet($p) GROUP BY ALL"
    want = dict(duckdb.execute(q, {"p": str(sample_store.release(result.current_id).visits_path)}).fetchall())
    got = dict(duckdb.execute(q, {"p": str(Store(home).release("rt").visits_path)}).fetchall())
    assert set(want) <= set(got) and all(got[k] == 0 for k in set(got) - set(want))
    assert all(math.isclose(got[k], v, rel_tol=1e-12, abs_tol=1e-9) for k, v in want.items())
