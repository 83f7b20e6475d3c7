"""The layer contract of pyproject.toml holds, and it would catch a wrong-way import or a cycle."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = str(Path(sys.executable).with_name("lint-imports"))


def _lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin", "HOME": str(cwd)}
    return subprocess.run([LINT, "--no-cache"], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_the_layers_hold() -> None:
    run = _lint(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "BROKEN" not in run.stdout


@pytest.fixture()
def copy_of_the_package(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "dashboard", tmp_path / "dashboard", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("store/catalog.py", "from dashboard.engine import session", "Layers import only downward"),
        ("engine/metrics.py", "import streamlit", "The core never imports Streamlit"),
        ("engine/scopes.py", "from dashboard.engine import session", "No import cycles"),
    ],
)
def test_a_wrong_way_import_breaks_the_build(copy_of_the_package: Path, module: str, line: str,
                                              contract: str) -> None:
    path = copy_of_the_package / "dashboard" / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}  # noqa\n", encoding="utf-8")
    run = _lint(copy_of_the_package)
    assert run.returncode != 0
    broken = [ln for ln in run.stdout.splitlines() if ln.endswith("BROKEN")]
    assert any(ln.startswith(contract) for ln in broken), run.stdout
