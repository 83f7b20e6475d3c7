"""Exit codes (0 pass, 1 gate failed, 2 usage or data error, 3 internal error), escaped control characters
and JSON that never crashes on a value. A crash must never look like a verdict."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from gate_world import KEY_LEVEL, STAKEHOLDERS_TOML

from dashboard.cli import data_error, main
from dashboard.cli.common import emit_json, render_table, safe_text
from dashboard.reports.json_safe import finite_json
from dashboard.store.catalog import Store


@pytest.fixture
def home(gate_store: Store) -> Path:
    return gate_store.home


@pytest.fixture
def sfile(tmp_path: Path) -> Path:
    path = tmp_path / "stakeholders.toml"
    path.write_text(STAKEHOLDERS_TOML, encoding="utf-8")
    return path


def invoke(*args: object, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], prog_name="relcheck", env=env)


def one_error_line(result: Result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def test_corrupt_catalog_is_a_data_error(home: Path, sfile: Path) -> None:
    (home / "catalog.json").write_text("{not json", encoding="utf-8")
    result = invoke("gate", "--home", home, "--stakeholders", sfile, "--no-record")
    assert result.exit_code == 2, result.output
    assert one_error_line(result).startswith("relcheck: error:") and "JSON" in result.stderr


def test_a_missing_parquet_file_is_a_data_error(home: Path, sfile: Path) -> None:
    for path in (home / "releases" / "r2").rglob("visits.parquet"):
        path.unlink()
    result = invoke("gate", "--home", home, "--stakeholders", sfile, "--no-record")
    assert result.exit_code == 2, result.output
    line = one_error_line(result)
    assert line.startswith("relcheck: error:") and "visits.parquet" in line


def test_report_out_an_existing_file(home: Path, sfile: Path, tmp_path: Path) -> None:
    taken = tmp_path / "taken.html"
    taken.write_text("keep me", encoding="utf-8")
    result = invoke("report", "--home", home, "--stakeholders", sfile, "--out", taken)
    assert result.exit_code == 2 and "existing file" in one_error_line(result)
    assert taken.read_text(encoding="utf-8") == "keep me"


@pytest.mark.parametrize("port", ["0", "65536", "99999", "-1"])
def test_serve_port_out_of_range(port: str) -> None:
    result = invoke("serve", "--port", port)
    assert result.exit_code == 2 and "--port" in result.stderr


def _crash(*args: object, **kwargs: object) -> None:
    raise ZeroDivisionError("boom\x1b[2J")


def test_an_unexpected_exception_exits_3_with_one_line(home: Path, sfile: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("dashboard.acceptance.service.run_gate", _crash)
    monkeypatch.delenv("RELCHECK_DEBUG", raising=False)
    result = invoke("gate", "--home", home, "--stakeholders", sfile)
    assert result.exit_code == 3, result.output
    line = one_error_line(result)
    assert "internal error in 'gate'" in line and "ZeroDivisionError: boom" in line and "\x1b" not in line
    # The traceback only on request, by flag or environment.
    debug = invoke("--debug", "gate", "--home", home, "--stakeholders", sfile)
    assert debug.exit_code == 3 and "Traceback" in debug.stderr and "_crash" in debug.stderr
    env = invoke("gate", "--home", home, "--stakeholders", sfile, env={"RELCHECK_DEBUG": "1"})
    assert env.exit_code == 3 and "Traceback" in env.stderr


def test_gate_codes_stay_0_and_1(home: Path, sfile: Path) -> None:
    pair = ("--current", "r1", "--candidate", "r2")
    assert invoke("gate", "--home", home, "--stakeholders", sfile, "--no-record", *pair).exit_code == 1
    passing = sfile.parent / "passing.toml"
    passing.write_text(STAKEHOLDERS_TOML[STAKEHOLDERS_TOML.index('[[criteria]]\nname = "total level"'):],
                       encoding="utf-8")
    assert invoke("gate", "--home", home, "--stakeholders", passing, "--no-record", *pair).exit_code == 0


def test_data_errors_are_told_from_bugs() -> None:
    assert data_error(FileNotFoundError(2, "No such file or directory", "/x/visits.parquet")) is not None
    assert data_error(json.JSONDecodeError("Expecting value", "{", 1)) is not None
    assert data_error(KeyError("x")) is None and data_error(OSError("no file named")) is None


# ------------------------------------------------------------------------------------ stakeholder config


def test_a_stakeholder_matching_nothing_exits_2_naming_it(home: Path, tmp_path: Path) -> None:
    ghost = tmp_path / "ghost.toml"
    ghost.write_text('[[customers]]\nid = "ghost"\nname = "G"\nbrands = ["Freshco"]\n' + STAKEHOLDERS_TOML,
                     encoding="utf-8")
    result = invoke("gate", "--home", home, "--stakeholders", ghost)
    assert result.exit_code == 2
    line = one_error_line(result)
    assert 'customer "ghost"' in line and "brands" in line and '"Freshco"' in line and "'FreshCo'" in line
    assert invoke("history", "--home", home).stdout.startswith("no gate runs")


def test_a_stakeholders_file_without_criteria_exits_2(home: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.toml"
    empty.write_text(STAKEHOLDERS_TOML[: STAKEHOLDERS_TOML.index("[[criteria]]")], encoding="utf-8")
    result = invoke("gate", "--home", home, "--stakeholders", empty)
    assert result.exit_code == 2 and "no [[criteria]]" in one_error_line(result)


# ------------------------------------------------------------------------------------ control characters


def test_control_characters_are_escaped_in_tables_and_messages(home: Path, sfile: Path) -> None:
    evil = "Ann\x1b]0;pwned\x07\r\x9b2J"
    signed = invoke("signoff", "--home", home, "--stakeholders", sfile, "--current", "r1", "--candidate", "r2",
                    "--criterion", KEY_LEVEL,
                    "--scope", "customer:freshco", "--by", evil, "--reason", "ok\nfine")
    assert signed.exit_code == 0, signed.output
    assert "\x1b" not in signed.stdout and "\\x1b]0;pwned\\x07\\r\\x9b2J" in signed.stdout
    table = invoke("signoffs", "--home", home)
    assert table.exit_code == 0
    assert not any(ch in table.stdout for ch in "\x1b\x07\r\x9b") and "ok\\nfine" in table.stdout
    unknown = invoke("gate", "--home", home, "--stakeholders", sfile, "--candidate", "r\x1b[2J\r9")
    assert unknown.exit_code == 2 and "\x1b" not in unknown.stderr and "\r" not in unknown.stderr
    assert "r\\x1b[2J\\r9" in unknown.stderr
    nosuch = invoke("no\x1bsuch")
    assert nosuch.exit_code == 2 and "\x1b" not in nosuch.stderr


def test_safe_text_and_table_cells() -> None:
    assert safe_text("a\tb\nc\x00\x7f\u2028") == "a\tb\nc\\x00\\x7f\\u2028"
    assert "\n" not in render_table([{"x": "two\nlines\tand tab"}], ["x"]).splitlines()[2]


# ------------------------------------------------------------------------------------------- JSON


def test_json_never_crashes_on_a_value(capsys: pytest.CaptureFixture[str]) -> None:
    payload = {"a": math.inf, "b": [1.0, -math.inf], "notes": ["kept"], "c": {"d": math.nan}, "e": 1}
    emit_json(payload)
    out = json.loads(capsys.readouterr().out)
    assert out["a"] is None and out["b"] == [1.0, None] and out["c"]["d"] is None and out["e"] == 1
    assert out["notes"][0] == "kept" and any(n.startswith("a: not a finite number (inf)") for n in out["notes"])
    assert any(n.startswith("b[1]:") for n in out["notes"]) and out["c"]["notes"][0].startswith("d:")
    assert finite_json([math.inf]) == [None] and finite_json({"x": 1.5}) == {"x": 1.5}
