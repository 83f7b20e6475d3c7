"""The gate commands of the CLI (DESIGN sections 2 and 7): gate, signoff, signoffs, revoke-signoff, history,
report. Exit codes 0 pass / 1 fail / 2 usage or data error with a message on stderr; JSON on request."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from gate_world import KEY_LEVEL, STAKEHOLDERS_TOML, build_store

from dashboard.acceptance.history import gate_history
from dashboard.cli import main
from dashboard.store.catalog import Store

GATE_COMMANDS = ("gate", "signoff", "signoffs", "revoke-signoff", "history", "report")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli-data")
    build_store(root)
    return root / "store"


@pytest.fixture
def home(built: Path, tmp_path: Path) -> Path:
    shutil.copytree(built, tmp_path / "store")
    return tmp_path / "store"


@pytest.fixture
def sfile(tmp_path: Path) -> Path:
    path = tmp_path / "stakeholders.toml"
    path.write_text(STAKEHOLDERS_TOML, encoding="utf-8")
    return path


def invoke(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], prog_name="relcheck")


def gate(home: Path, sfile: Path, *extra: object) -> Result:
    return invoke("gate", "--home", home, "--stakeholders", sfile, *extra)


@pytest.mark.parametrize("command", GATE_COMMANDS)
def test_help(command: str) -> None:
    result = invoke(command, "--help")
    assert result.exit_code == 0 and "Usage:" in result.output


def test_gate_fails_with_exit_1_and_records_the_run(home: Path, sfile: Path) -> None:
    result = gate(home, sfile)  # defaults: current r1 (first ingested), candidate r2 (newest other)
    assert result.exit_code == 1, result.output
    assert result.stdout.startswith("gate r1 -> r2: FAIL")
    assert KEY_LEVEL in result.stdout and "source sdk_a" in result.stdout
    runs = gate_history(Store(home))
    assert [(r["current"], r["candidate"], r["verdict"]) for r in runs] == [("r1", "r2", "fail")]


def test_gate_json_and_no_record(home: Path, sfile: Path) -> None:
    result = gate(home, sfile, "--current", "r1", "--candidate", "r2", "--format", "json", "--no-record")
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert list(payload) == ["current", "candidate", "verdict", "counts", "results"]
    assert payload["verdict"] == "fail" and payload["counts"]["fail"] == 3  # freshco; regions MW, S without data
    assert gate_history(Store(home)) == []


def test_signoff_then_gate_passes_with_exit_0(home: Path, sfile: Path) -> None:
    result = invoke("signoff", "--home", home, "--stakeholders", sfile, "--criterion", KEY_LEVEL,
                    "--scope", "customer:freshco", "--by", "Ann Lee", "--reason", "polygon change agreed",
                    "--expires", "2099-12-31")
    assert result.exit_code == 0, result.output
    assert "signed off" in result.stdout
    still = gate(home, sfile, "--format", "json")  # regions MW and S: a block criterion without data fails
    assert still.exit_code == 1 and json.loads(still.stdout)["counts"]["fail"] == 2
    for region in ("region:MW", "region:S"):
        ok = invoke("signoff", "--home", home, "--stakeholders", sfile, "--criterion", "regions stay aligned",
                    "--scope", region, "--by", "Cy", "--reason", "region retired")
        assert ok.exit_code == 0, ok.output
    passed = gate(home, sfile, "--format", "json")
    assert passed.exit_code == 0, passed.output
    payload = json.loads(passed.stdout)
    assert payload["verdict"] == "pass" and payload["counts"]["waived"] == 3

    listed = invoke("signoffs", "--home", home, "--format", "json")
    assert listed.exit_code == 0
    records = json.loads(listed.stdout)
    assert len(records) == 3 and records[0]["by"] == "Ann Lee" and records[0]["state"] == "active"
    table = invoke("signoffs", "--home", home, "--current", "r1", "--candidate", "r2")
    assert table.exit_code == 0 and "Ann Lee" in table.stdout and "active" in table.stdout

    revoked = invoke("revoke-signoff", records[0]["id"], "--home", home, "--by", "Bo", "--reason", "too broad")
    assert revoked.exit_code == 0, revoked.output
    assert gate(home, sfile).exit_code == 1
    again = json.loads(invoke("signoffs", "--home", home, "--format", "json").stdout)
    assert again[0]["state"] == "revoked"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--criterion", "no such criterion", "--scope", "all"), "no criterion"),
        (("--criterion", "total level", "--scope", "all"), "is pass"),
        (("--criterion", KEY_LEVEL, "--scope", "customer:freshco", "--expires", "31/12/2099"), "YYYY-MM-DD"),
        (("--criterion", KEY_LEVEL, "--scope", "customer:freshco", "--expires", "2001-01-01"), "already past"),
    ],
)
def test_signoff_refusals_exit_2(home: Path, sfile: Path, args: tuple[str, ...], message: str) -> None:
    result = invoke("signoff", "--home", home, "--stakeholders", sfile, "--by", "Ann", "--reason", "r", *args)
    assert result.exit_code == 2
    assert message in result.stderr and result.stderr.startswith("relcheck: error:")
    assert not Store(home).signoffs_path.exists()


def test_errors_exit_2(home: Path, sfile: Path, tmp_path: Path) -> None:
    unknown = gate(home, sfile, "--candidate", "r9")
    assert unknown.exit_code == 2 and "unknown release 'r9'" in unknown.stderr
    same = gate(home, sfile, "--current", "r1", "--candidate", "r1")
    assert same.exit_code == 2 and "same release" in same.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text("[[criteria]]\nname = 'x'\n", encoding="utf-8")
    broken = gate(home, bad)
    assert broken.exit_code == 2 and "bad.toml" in broken.stderr
    empty = invoke("gate", "--home", tmp_path / "nothing", "--stakeholders", sfile)
    assert empty.exit_code == 2 and "relcheck sample" in empty.stderr
    assert invoke("gate", "--format", "xml").exit_code == 2
    assert gate_history(Store(home)) == []


def test_history(home: Path, sfile: Path) -> None:
    empty = invoke("history", "--home", home)
    assert empty.exit_code == 0 and "no gate runs" in empty.stdout
    gate(home, sfile)
    gate(home, sfile, "--current", "r2", "--candidate", "r1")
    runs = json.loads(invoke("history", "--home", home, "--format", "json").stdout)
    assert [(r["current"], r["candidate"], r["verdict"]) for r in runs] == [("r1", "r2", "fail"), ("r2", "r1", "fail")]
    table = invoke("history", "--home", home)
    assert table.exit_code == 0 and table.stdout.count("fail=3") == 2
    metric = invoke("history", "--home", home, "--stakeholders", sfile, "--scope", "customer:freshco",
                    "--metric", "level_change_pct", "--format", "json")
    assert metric.exit_code == 0, metric.output
    rows = json.loads(metric.stdout)
    assert [(r["current"], r["candidate"]) for r in rows] == [("r1", "r2")]
    lonely = invoke("history", "--home", home, "--scope", "all")
    assert lonely.exit_code == 2 and "go together" in lonely.stderr


def test_report(home: Path, sfile: Path, tmp_path: Path) -> None:
    out = tmp_path / "pack"
    result = invoke("report", "--home", home, "--stakeholders", sfile, "--out", out, "--scope", "customer:freshco")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["gate.json", "report.html", "summary.md"]
    page = (out / "report.html").read_text(encoding="utf-8")
    assert re.search(r"(?i)https?://|//cdn", page) is None
    assert "**Verdict for scope `customer:freshco`: FAIL**" in (out / "summary.md").read_text(encoding="utf-8")
    assert gate_history(Store(home)) == []  # a report does not record a gate run
    bad = invoke("report", "--home", home, "--stakeholders", sfile, "--out", out, "--scope", "nope")
    assert bad.exit_code == 2 and "bad scope" in bad.stderr
