"""relcheck repair, and the store's safety around it: a missing catalog stops ingest (exit 2, the hint, nothing
deleted); repair brings every release back with identical `releases --format json`; ingest --replace leaves
chaos, gate and report that run meanwhile (separate processes) reading a complete snapshot."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from gate_world import (
    COMPONENTS_A,
    COMPONENTS_B,
    PLACES_A,
    PLACES_B,
    STAKEHOLDERS_TOML,
    VISITS_A,
    VISITS_B,
    build_store,
)
from snapshots import write_snapshot

from dashboard.cli import main
from dashboard.store.catalog import Store
from dashboard.store.ingest import ingest_release

ROOT = Path(__file__).resolve().parents[2]


def invoke(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], prog_name="relcheck")


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() if p.is_file() else b"<dir>" for p in sorted(root.rglob("*"))}


@pytest.fixture
def home(tmp_path: Path) -> Path:
    store = build_store(tmp_path, with_r3=True)
    assert invoke("promote", "r1", "--home", store.home).exit_code == 0
    return store.home


def test_missing_catalog_then_repair(tmp_path: Path, home: Path) -> None:
    before = invoke("releases", "--format", "json", "--home", home)
    assert before.exit_code == 0
    (home / "catalog.json").unlink()
    state = tree(home)

    snap = write_snapshot(tmp_path / "snap-r9", "r9", VISITS_A, PLACES_A)
    for extra in ((), ("--replace",)):
        res = invoke("ingest", snap, "--home", home, *extra)
        assert res.exit_code == 2, res.output
        assert "catalog.json is missing" in res.stderr and f"relcheck repair --home {home}" in res.stderr
        assert "Traceback" not in res.output
        assert tree(home) == state, "an ingest with no catalog changed the store"
    res = invoke("releases", "--home", home)
    assert res.exit_code == 2 and "relcheck repair" in res.stderr

    res = invoke("repair", "--home", home)
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith(f"rebuilt {home / 'catalog.json'}: 3 releases (r3, r1, r2)")
    after = invoke("releases", "--format", "json", "--home", home)
    assert after.exit_code == 0 and json.loads(after.stdout) == json.loads(before.stdout)
    assert after.stdout == before.stdout
    assert invoke("ingest", snap, "--home", home).exit_code == 0


def test_repair_of_a_corrupt_catalog_keeps_it_aside(home: Path) -> None:
    before = invoke("releases", "--format", "json", "--home", home).stdout
    (home / "catalog.json").write_text("{ not json")
    res = invoke("gate", "--home", home)
    assert res.exit_code == 2 and "cannot be read" in res.stderr and "relcheck repair" in res.stderr
    res = invoke("repair", "--home", home)
    assert res.exit_code == 0 and "the unreadable catalog is kept as" in res.stdout
    assert [p.read_text() for p in home.glob("catalog.json.corrupt-*")] == ["{ not json"]
    assert invoke("releases", "--format", "json", "--home", home).stdout == before


def test_repair_refuses_to_guess_with_exit_2(home: Path) -> None:
    (home / "catalog.json").unlink()
    folder = next((home / "releases" / "r2").iterdir())
    (folder / "manifest.json").unlink()
    state = tree(home)
    res = invoke("repair", "--home", home)
    assert res.exit_code == 2
    assert "cannot rebuild the catalog without guessing" in res.stderr and str(folder) in res.stderr
    assert tree(home) == state


def test_repair_of_a_good_catalog_or_no_store(home: Path, tmp_path: Path) -> None:
    state = tree(home)
    res = invoke("repair", "--home", home)
    assert res.exit_code == 0 and "nothing to repair (3 releases)" in res.stdout
    assert tree(home) == state
    res = invoke("repair", "--home", tmp_path / "nowhere")
    assert res.exit_code == 2 and "no store at" in res.stderr
    assert not (tmp_path / "nowhere").exists()


SCENARIOS = """
[[scenarios]]
name = "sdk_b outage"
[[scenarios.perturbations]]
kind = "drop_source"
source = "sdk_b"

[[scenarios]]
name = "noise"
[[scenarios.perturbations]]
kind = "noise"
cv = 0.05
seed = 1
"""


def _reader(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", "from dashboard.cli import main; main()", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)


def test_readers_survive_a_replace(tmp_path: Path, home: Path) -> None:
    """chaos, gate and report run (each several times, in their own processes) while r1 and r2 are replaced
    again and again; every run ends as it would without the replace, with no missing file."""
    (tmp_path / "stakeholders.toml").write_text(STAKEHOLDERS_TOML, encoding="utf-8")
    (tmp_path / "chaos.toml").write_text(SCENARIOS, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    common = ["--home", str(home), "--stakeholders", str(tmp_path / "stakeholders.toml")]
    commands = {
        "chaos": ["chaos", "--release", "r1", "--scenarios", str(tmp_path / "chaos.toml"), "--format", "json"],
        "gate": ["gate", "--current", "r1", "--candidate", "r2", "--format", "json"],
        "report": ["report", "--current", "r1", "--candidate", "r2"],
    }
    # Each release is replaced by the same data as it holds, so every reader must end as it would have
    # without the replace: what is tested is that no reader loses its files, not a change of content.
    snaps = {rid: write_snapshot(tmp_path / f"again-{rid}", rid, visits, places, components=components,
                                 created_at=f"2026-0{i + 1}-01T00:00:00Z")
             for i, (rid, visits, places, components) in enumerate((("r1", VISITS_A, PLACES_A, COMPONENTS_A),
                                                                    ("r2", VISITS_B, PLACES_B, COMPONENTS_B)))}
    store = Store(home)
    runs: list[tuple[str, subprocess.CompletedProcess[str] | subprocess.Popen[str]]] = []
    replaces = 0
    for round_ in range(2):
        procs = []
        for name, args in commands.items():
            extra = ["--out", str(tmp_path / f"pack-{round_}")] if name == "report" else []
            procs.append((name, _reader([*args, *common, *extra], env)))
        # Replace while they start up, load and read (each reader resolves its releases, then reads lazily).
        while any(p.poll() is None for _, p in procs):
            for snap in snaps.values():
                ingest_release(store, snap, replace=True)
                replaces += 1
            time.sleep(0.05)
        runs += procs
    assert replaces >= 4
    for name, proc in runs:
        out, err = proc.communicate()
        assert proc.returncode in (0, 1), f"{name} exited {proc.returncode}:\n{err}"
        assert "Traceback" not in err and "No such file" not in err and "error" not in err.lower(), f"{name}:\n{err}"
        if name in ("chaos", "gate"):
            assert json.loads(out)
    assert all(r.visits_path.exists() for r in store.releases())
