"""``relcheck backtest``: JSON shape, table and CSV, chaos scenarios, bad options exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from noise_world import noise_store

from dashboard.cli import main


def invoke(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], prog_name="relcheck")


@pytest.fixture(scope="module")
def home() -> Path:
    return noise_store().home


def test_json_shape(home: Path) -> None:
    result = invoke("backtest", "--scope", "category:Fitness", "--metric", "level_change_pct", "--format", "json",
                    "--home", home)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == ["scope", "pairs", "pass_rate", "noise_floor", "suggested"]
    assert list(data["pairs"][0]) == ["current", "candidate", "value", "status"] and len(data["pairs"]) == 4
    assert list(data["noise_floor"]) == ["value", "method", "replicates"]
    assert list(data["suggested"]) == ["by_history", "by_noise"]


def test_table_csv_and_chaos(home: Path, tmp_path: Path) -> None:
    table = invoke("backtest", "--scope", "category:Grocery", "--metric", "level_change_pct", "--home", home)
    assert table.exit_code == 0 and "pass rate:" in table.stdout and "by history" in table.stdout
    scenarios = tmp_path / "chaos.toml"
    scenarios.write_text('[[scenarios]]\nname = "half the feed"\n[[scenarios.perturbations]]\n'
                         'kind = "scale_source"\nsource = "sdk_a"\nfactor = 0.5\n')
    csv = invoke("backtest", "--scope", "all", "--metric", "level_change_pct", "--chaos", "--scenarios", scenarios,
                 "--format", "csv", "--home", home)
    assert csv.exit_code == 0, csv.stderr
    lines = csv.stdout.strip().splitlines()
    assert lines[0] == "kind,current,candidate,value,status" and len(lines) == 1 + 4 + 1
    kind, current, candidate, value, status = lines[-1].split(",")
    assert (kind, current, status) == ("chaos", "r5", "fail") and float(value) == pytest.approx(-50.0)


@pytest.mark.parametrize(("args", "message"), [
    (["--metric", "level_change_pct", "--share", "0"], "--share must be in (0, 1]"),
    (["--metric", "level_change_pct", "--share", "1.2"], "got 1.2"),
    (["--metric", "level_change_pct", "--criterion", "x"], "exactly one of"),
    (["--metric", "visits_current"], "no noise floor"),
    (["--metric", "level_change_pct", "--scope", "category:Fitnes"], "Fitnes"),
])
def test_bad_options_exit_2(home: Path, args: list[str], message: str) -> None:
    if "--scope" not in args:
        args = [*args, "--scope", "category:Fitness"]
    result = invoke("backtest", *args, "--home", home)
    assert result.exit_code == 2 and message in result.stderr and result.stdout == ""
