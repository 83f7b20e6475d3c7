"""Fast start: ``relcheck --help`` and ``relcheck releases`` load no heavy library (issue 11, item 6).

Not a timing test (timings are `make bench`'s business): a fresh interpreter runs the command the way the
``relcheck`` script does and reports which modules it imported. A heavy import at the top of any command
module, of ``cli/common.py`` or of a base module they use fails here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from dashboard.chaos.sensitivity import FAMILIES
from dashboard.cli import COMMANDS, main
from dashboard.cli.common import BY_KINDS, CHAOS_FAMILIES
from dashboard.engine.scopes import BY_KINDS as ENGINE_BY_KINDS

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("pandas", "scipy", "duckdb", "pyarrow", "plotly", "altair", "streamlit", "numpy")

# Runs main() as the installed `relcheck` script does, then prints the heavy modules it imported.
PROBE = f"""
import json, sys
from dashboard.cli import main
code = 0
try:
    main(sys.argv[1:], prog_name="relcheck")
except SystemExit as exc:
    code = exc.code
heavy = sorted(m for m in {HEAVY!r} if m in sys.modules)
loaded = sorted(m for m in sys.modules if m.startswith("dashboard."))
print(json.dumps({{"code": code, "heavy": heavy, "loaded": loaded}}), file=sys.stderr)
"""


def probe(*args: str) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env,
                          cwd=REPO, timeout=60)
    report: dict[str, object] = json.loads(proc.stderr.strip().splitlines()[-1])
    report["stdout"] = proc.stdout
    return report


@pytest.mark.parametrize("args", [("--help",), ("releases", "--help"), ("compare", "--help"), ("gate", "--help"),
                                  ("chaos-sensitivity", "--help"), ("sample", "--help")], ids=" ".join)
def test_help_imports_no_heavy_library(args: tuple[str, ...]) -> None:
    report = probe(*args)
    assert report["code"] == 0
    assert str(report["stdout"]).startswith("Usage: relcheck")
    assert report["heavy"] == []


def test_main_help_imports_every_command_module_but_no_core() -> None:
    report = probe("--help")
    loaded = set(report["loaded"])  # type: ignore[arg-type]
    assert {m.split(":")[0] for m in COMMANDS.values()} <= loaded
    core = {m for m in loaded if m.split(".")[1] in ("engine", "attribution", "acceptance", "chaos", "reports",
                                                      "simulator", "sql")}
    assert core == set()


def test_releases_loads_only_its_command_module(tmp_path: Path) -> None:
    report = probe("releases", "--home", str(tmp_path / "empty"))
    assert report["code"] == 0
    assert "no releases in" in str(report["stdout"])
    loaded = set(report["loaded"])  # type: ignore[arg-type]
    assert "dashboard.cli.store_cmds" in loaded
    assert not loaded & {"dashboard.cli.compare_cmds", "dashboard.cli.attribute_cmds", "dashboard.cli.chaos_cmds",
                         "dashboard.cli.gate_cmds"}
    assert report["heavy"] == []  # the catalog is JSON: listing releases needs no engine


def test_the_help_choices_are_the_cores() -> None:
    """The option choices are written in the CLI (so --help stays light); they must not drift from the core."""
    assert BY_KINDS == ENGINE_BY_KINDS
    assert CHAOS_FAMILIES == FAMILIES


def test_every_listed_command_resolves_to_its_name() -> None:
    ctx = click.Context(main)
    assert main.list_commands(ctx) == sorted(COMMANDS)
    for name in COMMANDS:
        command = main.get_command(ctx, name)
        assert command is not None and command.name == name
    assert main.get_command(ctx, "no-such-command") is None
