"""A replicate is its base re-run with the same components: ingest refuses anything else, writing nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from snapshots import COMPONENTS, daily_rows, write_snapshot

from dashboard.cli import main
from dashboard.errors import NotFoundError
from dashboard.store.catalog import Store

PLACES = [{"place_id": "p1", "brand": "FreshCo", "category": "Grocery Stores", "region": "NE"}]
VISITS = daily_rows("p1", "2026-01-01", [1, 2, 3])


def snap(tmp_path: Path, release_id: str, **kw: Any) -> Path:
    return write_snapshot(tmp_path / f"snap-{release_id}", release_id, visits=VISITS, places=PLACES, **kw)


def invoke(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], prog_name="relcheck")


def test_replicate_of_a_stored_release_is_ingested(tmp_path: Path) -> None:
    home = tmp_path / "store"
    assert invoke("ingest", snap(tmp_path, "r1"), "--home", home).exit_code == 0
    result = invoke("ingest", snap(tmp_path, "r1-rep1", kind="replicate", base="r1"), "--home", home)
    assert result.exit_code == 0, result.stderr
    rep = Store(home).release("r1-rep1")
    assert (rep.kind, rep.base) == ("replicate", "r1")
    # A replicate is never the default candidate.
    with pytest.raises(NotFoundError, match="no candidate"):
        Store(home).default_candidate_id("r1")


def test_replicate_with_other_components_or_an_unknown_base_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "store"
    assert invoke("ingest", snap(tmp_path, "r1"), "--home", home).exit_code == 0
    before = sorted(p.name for p in (home / "releases").iterdir())
    other = {**COMPONENTS, "attribution": "gauss_poi"}
    bad = snap(tmp_path, "rep-x", kind="replicate", base="r1", components=other)
    result = invoke("ingest", bad, "--home", home)
    assert result.exit_code == 2
    assert str(bad / "release.toml") in result.stderr and "field 'components'" in result.stderr
    assert "exactly the components of its base 'r1'" in result.stderr and "gauss_poi" in result.stderr
    missing = snap(tmp_path, "rep-y", kind="replicate", base="nope")
    result = invoke("ingest", missing, "--home", home)
    assert result.exit_code == 2
    assert "field 'base'" in result.stderr and "already in the store" in result.stderr and "nope" in result.stderr
    assert Store(home).release_ids() == ["r1"]
    assert sorted(p.name for p in (home / "releases").iterdir()) == before
    no_base = snap(tmp_path, "rep-z", kind="replicate")
    result = invoke("ingest", no_base, "--home", home)
    assert result.exit_code == 2 and "field 'base'" in result.stderr
