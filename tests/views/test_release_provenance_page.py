"""The Releases page says how each release came in (issue 16, point 6): a patterns import and a snapshot ingest."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from app_support import open_page, texts
from patterns_fixtures import KEY_A, KEY_B, week, write_csv

from dashboard.store.catalog import Store
from dashboard.store.patterns import import_patterns


@pytest.fixture
def store_with_import(app_files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The tiny app store, copied, plus one patterns import (created before r1, so r1 and r2 stay the pair)."""
    home = tmp_path / "store"
    shutil.copytree(app_files["home"], home)
    files = [write_csv(tmp_path / "weeks" / "patterns-2020-03-02.csv", [week(KEY_A, "2020-03-02", [1] * 7),
                                                                        week(KEY_B, "2020-03-02", [2] * 7)]),
             write_csv(tmp_path / "weeks" / "patterns-2020-03-16.csv", [week(KEY_A, "2020-03-16", [3] * 7)])]
    import_patterns(Store(home), files, release_id="vendor-2020", created_at="2020-04-01T00:00:00Z")
    monkeypatch.setenv("RELCHECK_HOME", str(home))
    monkeypatch.setenv("RELCHECK_STAKEHOLDERS", str(app_files["stakeholders"]))
    monkeypatch.setenv("RELCHECK_SCENARIOS", str(app_files["scenarios"]))
    return files


def files_table(at) -> list[str]:
    return list(next(df.value for df in at.dataframe if list(df.value.columns) == ["file"])["file"])


def test_a_patterns_import_shows_its_files_rows_and_warnings(store_with_import: list[Path]) -> None:
    at = open_page("releases", release="vendor-2020")
    assert "How it came in" in texts(at.subheader)
    said = texts(at.markdown)
    assert "weekly patterns import" in said and "21 visit rows · 2 places · from 3 weekly rows" in said
    assert files_table(at) == [str(f) for f in store_with_import]
    warned = texts(at.warning)
    assert "gap: 7 days between the first and last week are in no file" in warned
    assert not at.error


def test_a_snapshot_ingest_shows_its_folder_and_files(store_with_import: list[Path]) -> None:
    at = open_page("releases", release="r1")
    assert "snapshot ingest" in texts(at.markdown)
    assert files_table(at) == ["release.toml", "visits.parquet", "places.parquet"]
    assert "From the folder" in texts(at.caption) and "No warnings at ingest." in texts(at.caption)
    assert not at.warning
