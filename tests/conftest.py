from __future__ import annotations

import json
import shutil
import sys
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


@pytest.fixture(scope="session")
def demo_sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[SampleResult, list[tuple[str, int, int]]]:
    """The demo preset, simulated once per test run (with the progress calls it made)."""
    calls: list[tuple[str, int, int]] = []
    result = generate(tmp_path_factory.mktemp("demo") / "releases", progress=lambda *a: calls.append(a))
    return result, calls


@pytest.fixture(scope="session")
def sample_store_template(tmp_path_factory: pytest.TempPathFactory, demo_sample) -> Store:
    result, _ = demo_sample
    st = Store(tmp_path_factory.mktemp("sample_store") / "store")
    for folder in result.release_dirs:
        ingest_release(st, folder)
    st.promote(result.current_id, by="tests", reason="sample current")
    return st


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
