"""relcheck chaos and chaos-sensitivity: JSON and table output, exit codes, messages on stderr."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from chaos_world import FIXTURE_SCENARIOS, RID, STAKEHOLDERS
from click.testing import CliRunner, Result

from dashboard.cli import main
from dashboard.store.catalog import Store


def invoke(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], prog_name="relcheck")


@pytest.fixture(scope="module")
def files(world: tuple[Store, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("cli")
    (tmp / "stakeholders.toml").write_text(STAKEHOLDERS, encoding="utf-8")
    (tmp / "chaos.toml").write_text(FIXTURE_SCENARIOS, encoding="utf-8")
    # Only the level criteria, for quick sensitivity runs.
    levels = STAKEHOLDERS.split("[[criteria]]")[0] + "[[criteria]]" + STAKEHOLDERS.split("[[criteria]]")[1]
    (tmp / "levels.toml").write_text(levels, encoding="utf-8")
    return {"stakeholders": tmp / "stakeholders.toml", "scenarios": tmp / "chaos.toml", "home": world[0].home,
            "levels": tmp / "levels.toml"}


def test_cli_chaos_json_exits_0_even_when_scenarios_fail(files: dict[str, Path]) -> None:
    res = invoke("chaos", "--home", files["home"], "--scenarios", files["scenarios"],
                 "--stakeholders", files["stakeholders"], "--format", "json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert set(doc) == {"release", "scenarios", "matrix"}
    assert doc["release"] == RID  # the current release by default
    assert doc["scenarios"][0]["verdict"] == "fail"
    res = invoke("chaos", "--home", files["home"], "--release", RID, "--scenarios", files["scenarios"],
                 "--stakeholders", files["stakeholders"], "--scenario", "control", "--scenario", "x outage",
                 "--format", "json")
    assert res.exit_code == 0, res.output
    assert [s["name"] for s in json.loads(res.stdout)["scenarios"]] == ["control", "x outage"]


def test_cli_chaos_table(files: dict[str, Path]) -> None:
    res = invoke("chaos", "--home", files["home"], "--scenarios", files["scenarios"],
                 "--stakeholders", files["stakeholders"])
    assert res.exit_code == 0, res.output
    assert "[fail] x outage" in res.stdout and "robustness matrix" in res.stdout
    assert "customer:bco: fail first on level_change_pct" in res.stdout


@pytest.mark.parametrize(("args", "message"), [
    (("--scenario", "nope"), "no scenario 'nope'"),
    (("--release", "r9"), "unknown release 'r9'"),
    (("--scenarios", "/nonexistent/chaos.toml"), "scenario file not found"),
])
def test_cli_chaos_errors_exit_2(files: dict[str, Path], args: tuple[str, ...], message: str) -> None:
    base = {"--scenarios": files["scenarios"], "--stakeholders": files["stakeholders"]}
    for flag in args[::2]:
        base.pop(flag, None)
    flat = [x for kv in base.items() for x in kv]
    res = invoke("chaos", "--home", files["home"], *flat, *args)
    assert res.exit_code == 2, res.output
    assert message in res.stderr and res.stdout == ""


def test_cli_chaos_bad_scenario_file_exits_2(files: dict[str, Path], tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[[scenarios]]\nname = "s1"\n[[scenarios.perturbations]]\nkind = "scale_source"\nsource = "x"\nfactor = 0\n',
                    encoding="utf-8")
    res = invoke("chaos", "--home", files["home"], "--scenarios", path, "--stakeholders", files["stakeholders"])
    assert res.exit_code == 2
    assert str(path) in res.stderr and "factor must be > 0" in res.stderr


def test_cli_sensitivity(files: dict[str, Path]) -> None:
    res = invoke("chaos-sensitivity", "--home", files["home"], "--source", "y", "--regions", "NE",
                 "--stakeholders", files["levels"], "--tol", "0.01", "--format", "json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["release"] == RID and doc["family"] == "scale_source" and doc["regions"] == ["NE"]
    rows = {(r["scope"], r["criterion"]): r for r in doc["results"]}
    gym = rows[("customer:gymco", "level holds")]
    assert gym["outcome"] == "breaks" and abs(gym["breaks_at"] - 0.8) <= 0.01
    assert rows[("customer:grocer", "level holds")]["outcome"] == "never_breaks"  # p1 is in W
    res = invoke("chaos-sensitivity", "--home", files["home"], "--source", "y", "--lo", "0.5",
                 "--stakeholders", files["levels"], "--tol", "0.05")
    assert res.exit_code == 0 and "never breaks in range" in res.stdout
    res = invoke("chaos-sensitivity", "--home", files["home"], "--stakeholders", files["stakeholders"])
    assert res.exit_code == 2 and "needs a source" in res.stderr
    res = invoke("chaos-sensitivity", "--home", files["home"], "--source", "y", "--family", "bogus")
    assert res.exit_code == 2


def test_cli_help() -> None:
    for cmd in ("chaos", "chaos-sensitivity"):
        res = invoke(cmd, "--help")
        assert res.exit_code == 0 and "exits 0" in res.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--family", "noise", "--hi", "1e300"), "hi <= 10"),
        (("--family", "noise", "--lo", "-1"), "0 <= lo"),
        (("--source", "y", "--hi", "1e308"), "[0, 1]"),
        (("--source", "y", "--tol", "inf"), "--tol must be"),
        (("--source", "y", "--tol", "0"), "--tol must be"),
    ],
)
def test_cli_sensitivity_refuses_absurd_ranges(files: dict[str, Path], args: tuple[str, ...], message: str) -> None:
    res = invoke("chaos-sensitivity", "--home", files["home"], "--stakeholders", files["levels"], *args)
    assert res.exit_code == 2, res.output
    assert message in res.stderr and res.stderr.startswith("relcheck: error:")


def test_cli_chaos_absurd_factor_exits_2_with_the_limit(files: dict[str, Path], tmp_path: Path) -> None:
    path = tmp_path / "absurd.toml"
    path.write_text('[[scenarios]]\nname = "s1"\n[[scenarios.perturbations]]\nkind = "scale_source"\n'
                    'source = "x"\nfactor = 1.7e308\n', encoding="utf-8")
    res = invoke("chaos", "--home", files["home"], "--scenarios", path, "--stakeholders", files["stakeholders"],
                 "--format", "json")
    assert res.exit_code == 2 and "at most 100" in res.stderr and res.stdout == ""
