"""`relcheck import patterns` (issue 16): options, output, warnings on stderr, exit 2 with an unchanged store."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result
from patterns_fixtures import KEY_A, KEY_B, week, write_csv

from dashboard.cli import main
from dashboard.store.catalog import Store

MON = "2020-03-02"


def invoke(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], prog_name="relcheck")


def tree(root: Path) -> dict[str, bytes] | None:
    if not root.exists():
        return None
    return {str(p.relative_to(root)): p.read_bytes() if p.is_file() else b"<dir>" for p in sorted(root.rglob("*"))}


def weekly_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "weekly"
    write_csv(folder / "w1.csv", [week(KEY_A, MON, [1] * 7), week(KEY_B, MON, [2] * 7)])
    write_csv(folder / "w2.csv.gz", [week(KEY_A, "2020-03-16", [3] * 7, location_name="Renamed")], delimiter="|",
              upper=True)
    return folder


def test_help_lists_the_command_and_its_options() -> None:
    assert "patterns" in invoke("import", "--help").output
    out = invoke("import", "patterns", "--help").output
    for opt in ("--release-id", "--created-at", "--component", "--source", "--place-key", "--manifest", "--replace"):
        assert opt in out


def test_import_a_folder(tmp_path: Path) -> None:
    home = tmp_path / "store"
    res = invoke("import", "patterns", weekly_folder(tmp_path), "--release-id", "2020.03", "--created-at",
                 "2020-03-25T00:00:00Z", "--component", "poi_db=2020-03", "--component", "attribution=geom",
                 "--source", "advan", "--home", home)
    assert res.exit_code == 0, res.output
    assert "imported 2020.03 from 2 patterns file(s): 3 weekly rows -> 21 visit rows, 2 places" in res.stdout
    assert "2020-03-02..2020-03-22" in res.stdout and "weeks start Monday" in res.stdout
    assert "relcheck: warning: gap: 7 days" in res.stderr
    assert "relcheck: warning: attributes: 1 places" in res.stderr
    rel = Store(home).release("2020.03")
    assert rel.components == {"poi_db": "2020-03", "attribution": "geom"}
    assert rel.created_at.startswith("2020-03-25T00:00:00") and rel.sources == ("advan",)


def test_import_with_a_manifest(tmp_path: Path) -> None:
    manifest = tmp_path / "release.toml"
    manifest.write_text('release_id = "m1"\ncreated_at = 2020-03-25T00:00:00Z\ndescription = "vendor drop"\n'
                        '[components]\npoi_db = "2020-03"\n')
    res = invoke("import", "patterns", weekly_folder(tmp_path), "--manifest", manifest, "--home", tmp_path / "s")
    assert res.exit_code == 0, res.output
    rel = Store(tmp_path / "s").release("m1")
    assert rel.description == "vendor drop" and rel.components == {"poi_db": "2020-03"}


def test_a_bad_file_exits_2_and_leaves_the_store_alone(tmp_path: Path) -> None:
    home = tmp_path / "store"
    assert invoke("import", "patterns", weekly_folder(tmp_path), "--release-id", "ok", "--home", home).exit_code == 0
    before = tree(home)
    bad = write_csv(tmp_path / "bad.csv", [week(KEY_A, MON, [1, 2, 3], date_range_end="")])
    res = invoke("import", "patterns", bad, "--release-id", "bad", "--home", home)
    assert res.exit_code == 2
    assert str(bad) in res.stderr and "field 'visits_by_day'" in res.stderr
    assert "7 without date_range_end" in res.stderr and "3 days in [1, 2, 3]" in res.stderr
    assert tree(home) == before


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    folder = weekly_folder(tmp_path)
    home = tmp_path / "store"
    res = invoke("import", "patterns", folder, "--release-id", "x", "--component", "poi_db", "--home", home)
    assert res.exit_code == 2 and "NAME=VERSION" in res.stderr
    res = invoke("import", "patterns", folder, "--release-id", "x", "--manifest", tmp_path / "m.toml", "--home", home)
    assert res.exit_code == 2 and "--manifest replaces" in res.stderr
    res = invoke("import", "patterns", folder, "--home", home)
    assert res.exit_code == 2 and "--release-id" in res.stderr
    res = invoke("import", "patterns", folder, "--release-id", "x", "--created-at", "yesterday", "--home", home)
    assert res.exit_code == 2 and "created_at" in res.stderr
    assert tree(home) is None
