from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import app_support  # noqa: E402
from gate_world import build_store  # noqa: E402

from dashboard.simulator.core import SampleResult, generate  # noqa: E402
from dashboard.store.catalog import Store  # noqa: E402
from dashboard.store.ingest import ingest_release  # noqa: E402


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "store")


def _built_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], Any]) -> Any:
    """``build(folder)`` once per test run, shared by the xdist workers: the first to take the lock builds, the
    others wait and read what it recorded (JSON). Only for data no test writes to."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's own folder, above every worker's
    folder, done = root / name, root / f"{name}.json"
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            done.write_text(json.dumps(build(folder)), encoding="utf-8")
    return json.loads(done.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def demo_sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[SampleResult, list[tuple[str, int, int]]]:
    """The demo preset, simulated once per test run (with the progress calls it made)."""

    def build(folder: Path) -> dict[str, Any]:
        calls: list[tuple[str, int, int]] = []
        result = generate(folder / "releases", progress=lambda *a: calls.append(a))
        return {"calls": calls, "result": json.loads(json.dumps(dataclasses.asdict(result), default=str))}

    made = _built_once(tmp_path_factory, "demo", build)
    fields = made["result"]
    result = SampleResult(**{**fields, "out_dir": Path(fields["out_dir"]),
                             "release_dirs": [Path(p) for p in fields["release_dirs"]],
                             "ground_truth": Path(fields["ground_truth"])})
    return result, [tuple(c) for c in made["calls"]]


@pytest.fixture(scope="session")
def sample_store_template(tmp_path_factory: pytest.TempPathFactory, demo_sample) -> Store:
    """The demo sample ingested (current promoted), once per test run: read-only, copy it to write."""
    result, _ = demo_sample

    def build(folder: Path) -> str:
        st = Store(folder / "store")
        for release in result.release_dirs:
            ingest_release(st, release)
        st.promote(result.current_id, by="tests", reason="sample current")
        return str(st.home)

    return Store(Path(_built_once(tmp_path_factory, "sample_store", build)))


@pytest.fixture(scope="session")
def sample_store(sample_store_template: Store) -> Store:
    """The ingested demo sample, shared read-only: tests that write logs use ``sample_store_copy``."""
    return sample_store_template


@pytest.fixture
def sample_store_copy(sample_store_template: Store, tmp_path: Path) -> Store:
    dest = tmp_path / "store"
    shutil.copytree(sample_store_template.home, dest)
    return Store(dest)


@pytest.fixture(scope="session")
def ground_truth(demo_sample) -> dict[str, Any]:
    return json.loads(demo_sample[0].ground_truth.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def gate_store_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny release world of ``gate_world.py`` (r1, r2, r3 and two ablation runs), built once per run."""
    root = tmp_path_factory.mktemp("gate-data")
    build_store(root, with_r3=True, with_ablation=True)
    return root / "store"


@pytest.fixture
def gate_store(gate_store_template: Path, tmp_path: Path) -> Store:
    """A private copy of the tiny release world (cheap: a few KB of Parquet), free to write logs into."""
    shutil.copytree(gate_store_template, tmp_path / "gate-store")
    return Store(tmp_path / "gate-store")


@pytest.fixture(scope="session")
def app_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The dashboard tests' tiny store, stakeholders and scenarios (``app_support.py``), built once per run."""
    root = tmp_path_factory.mktemp("apptest")
    (root / "stakeholders.toml").write_text(app_support.STAKEHOLDERS, encoding="utf-8")
    (root / "chaos.toml").write_text(app_support.SCENARIOS, encoding="utf-8")
    home = app_support.build_store(root)
    app_support.record_gate_run(home, root / "stakeholders.toml")
    return {"home": home, "stakeholders": root / "stakeholders.toml", "scenarios": root / "chaos.toml"}


@pytest.fixture
def app_env(app_files: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """The dashboard's environment pointed at the tiny store (tests that write copy the store first)."""
    monkeypatch.setenv("RELCHECK_HOME", str(app_files["home"]))
    monkeypatch.setenv("RELCHECK_STAKEHOLDERS", str(app_files["stakeholders"]))
    monkeypatch.setenv("RELCHECK_SCENARIOS", str(app_files["scenarios"]))
    return app_files
