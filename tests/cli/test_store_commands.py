"""The store commands of the CLI (DESIGN section 2): help everywhere, exit codes 0/2, messages on stderr, JSON."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result
from snapshots import daily_rows, write_snapshot

from dashboard.cli import COMMANDS, main
from dashboard.store.catalog import Release, Store

PLACES = [
    {"place_id": "p1", "brand": "FreshCo", "category": "Grocery Stores", "region": "NE"},
    {"place_id": "p2", "brand": "ValueMart", "category": "Grocery Stores", "region": "W"},
]
VISITS = daily_rows("p1", "2026-01-01", [1, 2, 3]) + daily_rows("p2", "2026-01-01", [4, 5, 6], source="sdk_b")


def snap(tmp_path: Path, release_id: str, **kw: Any) -> Path:
    kw.setdefault("visits", VISITS)
    kw.setdefault("places", PLACES)
    return write_snapshot(tmp_path / f"snap-{release_id}", release_id, **kw)


def invoke(*args: object, env: dict[str, str] | None = None) -> Result:
    return CliRunner(env=env).invoke(main, [str(a) for a in args], prog_name="relcheck")


def tree(root: Path) -> dict[str, bytes] | None:
    if not root.exists():
        return None
    return {str(p.relative_to(root)): p.read_bytes() if p.is_file() else b"<dir>" for p in sorted(root.rglob("*"))}


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        out.append(prefix + (name,))
        if isinstance(cmd, click.Group):
            out += all_commands(cmd, prefix + (name,))
    return out


# ----------------------------------------------------------------------- help


def test_every_store_command_exists() -> None:
    assert {"ingest", "releases", "promote", "sample", "serve"} <= set(main.list_commands(click.Context(main)))


@pytest.mark.parametrize("path", all_commands(main), ids=" ".join)
def test_help_on_every_command(path: tuple[str, ...]) -> None:
    result = invoke(*path, "--help")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Usage: relcheck {' '.join(path)}")
    body = result.stdout.split("\n\n", 2)
    assert len(body) >= 2 and body[1].strip(), f"'{' '.join(path)}' has no help text"
    assert result.stderr == ""


def test_main_help_lists_commands_and_exit_codes() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    names = main.list_commands(click.Context(main))
    assert set(names) == set(COMMANDS)
    for name in names:
        assert f"  {name}" in result.stdout
    assert "2 usage or data error" in result.stdout
    assert invoke("-h").stdout == result.stdout


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0 and result.stdout.startswith("relcheck, version ")


# --------------------------------------------------------------------- ingest


def test_ingest_good(tmp_path: Path) -> None:
    home = tmp_path / "store"
    result = invoke("ingest", snap(tmp_path, "r1"), snap(tmp_path, "r2", fmt="csv"), "--home", home)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # no progress bar when stderr is not a terminal
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("ingested r1 (release): 6 visit rows, 2 places, 2026-01-01..2026-01-03, sha256:")
    assert lines[1].startswith("ingested r2 (release): 6 visit rows")
    assert Store(home).release_ids() == ["r1", "r2"]


def test_ingest_uses_relcheck_home(tmp_path: Path) -> None:
    home = tmp_path / "from_env"
    result = invoke("ingest", snap(tmp_path, "r1"), env={"RELCHECK_HOME": str(home)})
    assert result.exit_code == 0, result.output
    assert Store(home).release_ids() == ["r1"]


def test_ingest_bad_exits_2_with_the_problem_on_stderr(tmp_path: Path) -> None:
    home = tmp_path / "store"
    bad = snap(tmp_path, "bad", visits=[{**VISITS[0], "visits": -2.0}] + VISITS[1:])
    result = invoke("ingest", bad, "--home", home)
    assert result.exit_code == 2
    assert result.stdout == ""
    err = result.stderr
    assert err.startswith("relcheck: error: snapshot ")
    assert "nothing was written" in err
    assert f"{bad / 'visits.parquet'}, field 'visits': must be >= 0" in err
    assert "'visits': '-2.0'" in err
    assert not home.exists()


def test_ingest_refusal_keeps_an_existing_store_unchanged(tmp_path: Path) -> None:
    home = tmp_path / "store"
    assert invoke("ingest", snap(tmp_path, "r1"), "--home", home).exit_code == 0
    before = tree(home)

    again = invoke("ingest", snap(tmp_path, "r1"), "--home", home)
    assert again.exit_code == 2
    assert "release 'r1' already exists" in again.stderr and "--replace" in again.stderr
    missing = invoke("ingest", tmp_path / "absent", "--home", home)
    assert missing.exit_code == 2 and "is not a folder" in missing.stderr
    assert tree(home) == before

    replaced = invoke("ingest", snap(tmp_path, "r1"), "--replace", "--home", home)
    assert replaced.exit_code == 0, replaced.output
    assert Store(home).release_ids() == ["r1"]


def test_ingest_first_bad_folder_stops_with_earlier_ones_kept(tmp_path: Path) -> None:
    home = tmp_path / "store"
    bad = snap(tmp_path, "a b")
    result = invoke("ingest", snap(tmp_path, "r1"), bad, snap(tmp_path, "r3"), "--home", home)
    assert result.exit_code == 2
    assert result.stdout.startswith("ingested r1 ")
    assert "field 'release_id'" in result.stderr and "a b" in result.stderr
    assert Store(home).release_ids() == ["r1"]


def test_ingest_semicolon_csv_needs_delimiter(tmp_path: Path) -> None:
    folder = snap(tmp_path, "r1", fmt="csv")
    for name in ("visits.csv", "places.csv"):
        path = folder / name
        path.write_text(path.read_text().replace(",", ";"))
    home = tmp_path / "store"
    refused = invoke("ingest", folder, "--home", home)
    assert refused.exit_code == 2 and "--delimiter ';'" in refused.stderr
    ok = invoke("ingest", folder, "--delimiter", ";", "--home", home)
    assert ok.exit_code == 0, ok.output


def test_ingest_without_folder_is_a_usage_error() -> None:
    result = invoke("ingest")
    assert result.exit_code == 2
    assert "Missing argument 'FOLDERS...'" in result.stderr


# ------------------------------------------------------------ releases, promote


@pytest.fixture
def home(tmp_path: Path) -> Path:
    store = tmp_path / "store"
    for rid, kind, created in [("r1", "release", "2026-10-01T00:00:00Z"), ("r2", "release", "2026-11-01T00:00:00Z"),
                               ("ab", "ablation", "2026-11-02T00:00:00Z")]:
        extra = {"base": "r1"} if kind == "ablation" else {}
        result = invoke("ingest", snap(tmp_path, rid, kind=kind, created_at=created, **extra), "--home", store)
        assert result.exit_code == 0, result.output
    return store


def test_releases_json_shape(home: Path) -> None:
    result = invoke("releases", "--format", "json", "--home", home)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"current", "releases"}
    assert data["current"] == "r1"
    assert [r["release_id"] for r in data["releases"]] == ["r1", "r2", "ab"]
    keys = {f for f in Release.__dataclass_fields__ if f not in {"sequence", "folder", "extra"}} | {"current"}
    for r in data["releases"]:
        assert set(r) == keys
        assert r["current"] is (r["release_id"] == "r1")
        assert r["rows"] == 6 and r["places"] == 2
        assert r["first_date"] == "2026-01-01" and r["last_date"] == "2026-01-03"
        assert r["sources"] == ["sdk_a", "sdk_b"] and r["segments"] == ["all"]
        assert r["checksum"].startswith("sha256:")
        assert isinstance(r["components"], dict) and r["components"]["attribution"] == "point_radius"
    kinds = {r["release_id"]: (r["kind"], r["base"]) for r in data["releases"]}
    assert kinds == {"r1": ("release", None), "r2": ("release", None), "ab": ("ablation", "r1")}


def test_releases_table(home: Path) -> None:
    result = invoke("releases", "--home", home)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["current", "release_id", "kind"]
    current_rows = [line for line in lines[2:] if line.startswith("*")]
    assert len(current_rows) == 1 and current_rows[0].split()[1] == "r1"
    assert "2026-01-01..2026-01-03" in result.stdout


def test_releases_of_an_empty_store(tmp_path: Path) -> None:
    home = tmp_path / "nothing"
    result = invoke("releases", "--format", "json", "--home", home)
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"current": None, "releases": []}
    table = invoke("releases", "--home", home)
    assert table.exit_code == 0 and "no releases" in table.stdout
    assert not home.exists()


def test_releases_bad_format(home: Path) -> None:
    result = invoke("releases", "--format", "xml", "--home", home)
    assert result.exit_code == 2 and "'xml' is not one of" in result.stderr


def test_promote(home: Path) -> None:
    result = invoke("promote", "r2", "--by", "ann", "--reason", "ship it", "--home", home)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "r2 is now current"
    data = json.loads(invoke("releases", "--format", "json", "--home", home).stdout)
    assert data["current"] == "r2"
    (record,) = Store(home).promotions()
    assert (record["release_id"], record["by"], record["reason"]) == ("r2", "ann", "ship it")


def test_promote_unknown_lists_known_releases(home: Path) -> None:
    before = tree(home)
    result = invoke("promote", "r9", "--home", home)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("relcheck: error: unknown release 'r9'")
    assert "r1, r2, ab" in result.stderr
    assert tree(home) == before


def test_promote_ablation_is_refused(home: Path) -> None:
    result = invoke("promote", "ab", "--home", home)
    assert result.exit_code == 2 and "ablation" in result.stderr
    assert Store(home).promotions() == []


def test_promote_in_a_missing_store(tmp_path: Path) -> None:
    result = invoke("promote", "r1", "--home", tmp_path / "none")
    assert result.exit_code == 2 and "relcheck ingest FOLDER" in result.stderr
    assert not (tmp_path / "none").exists()


def test_unknown_command() -> None:
    result = invoke("frobnicate")
    assert result.exit_code == 2
    assert "No such command 'frobnicate'" in result.stderr
    assert result.stdout == ""


def test_console_script_exit_code_and_stderr(tmp_path: Path) -> None:
    """The installed entry point, in a real process: error text on stderr, nothing on stdout."""
    exe = shutil.which("relcheck") or str(Path(sys.executable).parent / "relcheck")
    proc = subprocess.run([exe, "promote", "r9", "--home", str(tmp_path / "none")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith("relcheck: error: unknown release 'r9'")
