"""A big release is checked and rolled up in parts of places (dashboard.store.place_parts): the split gives
every visit its place's number and part, and the key and unknown-places rules answer exactly as they do for a
release in one piece. Tiny inline snapshots; a part size of one row forces every place into its own part.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from snapshots import daily_rows
from store.ingest_support import base_places, base_visits, refuse, snapshot

from dashboard.cli import main
from dashboard.sql import budget, duckdb_engine
from dashboard.store import place_parts
from dashboard.store.catalog import Store
from dashboard.store.contract import ValidationFailed, validate_snapshot
from dashboard.store.ingest import ingest_release


@pytest.fixture
def in_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parts of one visit row: every place of a tiny snapshot gets a part of its own."""
    monkeypatch.setenv(budget.THREADS_ENV, "2")
    monkeypatch.setattr(place_parts, "ROWS_PER_PART_PER_GB", 1)


def _refusal(folder: Path, populated: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parts: bool) -> str:
    monkeypatch.setattr(place_parts, "ROWS_PER_PART_PER_GB", 1 if parts else 10**15)
    return str(refuse(folder, populated, tmp_path / ("parts" if parts else "whole"), ValidationFailed))


def _same_refusal(folder: Path, populated: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(budget.THREADS_ENV, "2")
    whole = _refusal(folder, populated, tmp_path, monkeypatch, parts=False)
    assert _refusal(folder, populated, tmp_path, monkeypatch, parts=True) == whole
    return whole


def test_the_split_numbers_places_in_id_order(tmp_path: Path, in_parts: None) -> None:
    folder = snapshot(tmp_path)
    con = duckdb_engine.connect(preserve_order=False)
    snap = validate_snapshot(folder, con, split_into=tmp_path / "split")
    assert snap.split is not None and snap.split.unknown == []
    assert len(snap.split.parts) == 3  # p1, p2, p3: one part each, in place_id order
    per_part = [con.con.execute("SELECT DISTINCT place_no FROM read_parquet($f)", {"f": [str(p) for p in files]})
                .fetchall() for files in snap.split.parts]
    assert per_part == [[(0,)], [(1,)], [(2,)]]
    rows = sum(con.con.execute("SELECT count(*) FROM read_parquet($f)", {"f": [str(p) for p in files]}).fetchone()[0]
               for files in snap.split.parts)
    assert rows == len(base_visits())
    con.close()


def test_no_split_when_a_release_fits_in_one_piece(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(place_parts, "ROWS_PER_PART_PER_GB", 10**15)
    con = duckdb_engine.connect(preserve_order=False)
    assert validate_snapshot(snapshot(tmp_path), con, split_into=tmp_path / "split").split is None
    assert not (tmp_path / "split").exists()
    con.close()


def test_a_duplicate_key_is_found_in_its_part(tmp_path: Path, populated: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = base_visits()
    rows.append({**rows[9], "visits": 99.0})  # p2, 2026-01-02, sdk_a again: in the middle part
    text = _same_refusal(snapshot(tmp_path, visits=rows), populated, tmp_path, monkeypatch)
    assert "(place_id, date, source, segment) must be unique" in text and "'place_id': 'p2'" in text


def test_a_duplicate_past_the_62nd_day_is_found(tmp_path: Path, populated: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The key check keeps a day's bit in a group per 62 days: a repeat on day 70 is in the second group."""
    long_p3 = daily_rows("p3", "2026-01-01", [1.0] * 80)
    rows = base_visits()[:12] + long_p3 + [{**long_p3[70], "visits": 5.0}]
    text = _same_refusal(snapshot(tmp_path, visits=rows), populated, tmp_path, monkeypatch)
    assert "must be unique" in text and "datetime.date(2026, 3, 12)" in text and "'place_id': 'p3'" in text


def test_the_key_is_checked_by_writing_the_per_source_rollup(tmp_path: Path, in_parts: None,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """No pass of its own for the key of a split release of known places: the per-source rollup's groups
    answer it, and the ingest keeps that rollup."""
    def no_separate_pass(*args: Any) -> bool:
        raise AssertionError("the key was checked in a pass of its own")

    monkeypatch.setattr(place_parts, "has_duplicate_keys", no_separate_pass)
    con = duckdb_engine.connect(preserve_order=False)
    snap = validate_snapshot(snapshot(tmp_path), con, split_into=tmp_path / "split")
    assert snap.source_rollup == tmp_path / "split" / "place_source.parquet" and snap.source_rollup.exists()
    written = pq.read_table(snap.source_rollup, columns=["place_id", "source", "visits"]).to_pylist()
    assert [tuple(r.values()) for r in written] == [("p1", "sdk_a", 36.0), ("p1", "sdk_b", 18.0),
                                                    ("p2", "sdk_a", 25.5), ("p3", "sdk_a", 6.0)]
    con.close()
    release = ingest_release(Store(tmp_path / "home"), snapshot(tmp_path, name="again"))
    assert (release.visits_path.parent / "place_source.parquet").exists()


@pytest.mark.parametrize("days", [126, 127, 128])
def test_a_long_release_repeating_a_key_past_the_128_bit_day_set(tmp_path: Path, populated: Store,
                                                                  monkeypatch: pytest.MonkeyPatch, days: int) -> None:
    """Up to 127 days each day has its own bit (0-126) of the rollup's 128-bit set; from 128 days on the key has
    a pass of its own. A repeat of the last day (sharing day 0's bit at 128 days) is found either way."""
    long_p3 = daily_rows("p3", "2026-01-01", [1.0] * days)
    rows = base_visits()[:12] + long_p3 + [{**long_p3[-1], "visits": 5.0}]
    text = _same_refusal(snapshot(tmp_path, visits=rows), populated, tmp_path, monkeypatch)
    assert "must be unique" in text and "'place_id': 'p3'" in text


def test_a_long_release_without_repeats_is_ingested_in_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """130 days: days 127-129 share bits 0-2 with days 0-2 in the rollup's set, so the key has its own pass."""
    rows = base_visits()[:12] + daily_rows("p3", "2026-01-01", [1.0] * 130)
    monkeypatch.setenv(budget.THREADS_ENV, "2")
    monkeypatch.setattr(place_parts, "ROWS_PER_PART_PER_GB", 1)
    release = ingest_release(Store(tmp_path / "home"), snapshot(tmp_path, visits=rows))
    assert release.rows == len(rows)


def test_unknown_places_are_listed(tmp_path: Path, populated: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = base_visits() + daily_rows("p9", "2026-01-01", [1.0]) + daily_rows("p0", "2026-01-01", [1.0, 2.0])
    text = _same_refusal(snapshot(tmp_path, visits=rows), populated, tmp_path, monkeypatch)
    assert "every place_id must exist in places.parquet" in text and "p0" in text and "p9" in text


def test_unknown_places_and_a_duplicate_together(tmp_path: Path, populated: Store,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Two unknown places share the split's empty number: only a real repeat of a key is reported."""
    unknown = daily_rows("p8", "2026-01-01", [1.0, 2.0]) + daily_rows("p9", "2026-01-01", [1.0, 2.0])
    text = _same_refusal(snapshot(tmp_path, visits=base_visits() + unknown), populated, tmp_path, monkeypatch)
    assert "must be unique" not in text and "p8" in text and "p9" in text
    twice = base_visits() + unknown + [unknown[0]]
    text = _same_refusal(snapshot(tmp_path, name="twice", visits=twice), populated, tmp_path, monkeypatch)
    assert "must be unique" in text and "'place_id': 'p8'" in text and "p9" in text


def test_rollups_in_parts_equal_the_one_piece_rollups(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # p25 has no visits: its part is absent from the split, and the parts after it keep their own numbers.
    places = base_places() + [{**base_places()[0], "place_id": f"q{i}", "name": f"Q {i}"} for i in range(5)] + [
        {**base_places()[1], "place_id": "p25", "name": "Quiet"}]
    rows = base_visits() + [r for i in range(5) for r in daily_rows(f"q{i}", "2026-01-01", [i, 2.5, 0.1 * i])]
    folder = snapshot(tmp_path, visits=rows, places=places)
    con = duckdb_engine.connect(preserve_order=False)
    monkeypatch.setattr(place_parts, "ROWS_PER_PART_PER_GB", 1)
    split = validate_snapshot(folder, con, split_into=tmp_path / "split").split
    con.close()
    assert split is not None and split.numbers == [0, 1, 3, 4, 5, 6, 7, 8]  # part 2 (p25) has no rows
    monkeypatch.setenv(budget.THREADS_ENV, "2")
    stored: dict[bool, Any] = {}
    for parts in (False, True):
        monkeypatch.setattr(place_parts, "ROWS_PER_PART_PER_GB", 1 if parts else 10**15)
        store = Store(tmp_path / f"home-{parts}")
        release = ingest_release(store, folder)
        where = release.visits_path.parent
        con = duckdb.connect()
        stored[parts] = {name: con.execute("SELECT * FROM read_parquet($f)", {"f": str(where / name)}).fetchall()
                         for name in ("place_daily.parquet", "place_source.parquet", "label_daily.parquet")}
    assert stored[True] == stored[False]  # the same rows in the same order
    assert [r[0] for r in stored[True]["place_daily.parquet"]] == sorted(r[0] for r in stored[True]["place_daily.parquet"])


def test_part_count_at_the_default_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parts of 6 M rows at the default budget (two threads of 0.6 GB), at most 32; one part: no split."""
    monkeypatch.delenv(budget.MEMORY_ENV, raising=False)
    monkeypatch.setenv(budget.THREADS_ENV, "2")
    assert place_parts.part_count(6_000_000) == 1
    assert place_parts.part_count(6_000_001) == 2
    assert place_parts.part_count(18_200_000) == 4      # the 50,000-place preset
    assert place_parts.part_count(182_000_000) == 31    # 500,000 places
    assert place_parts.part_count(728_000_000) == 32    # 2,000,000 places: at most 32 parts
    monkeypatch.setenv(budget.MEMORY_ENV, "8GB")        # more memory: bigger parts
    assert place_parts.part_count(182_000_000) == 8


def _cli_ingest(home: Path, folder: Path, env: dict[str, str]) -> Any:
    return CliRunner().invoke(main, ["ingest", str(folder), "--home", str(home)], env=env)


def test_the_split_counts_against_the_spill_cap(tmp_path: Path, in_parts: None) -> None:
    """The split lies in the spill folder: over $RELCHECK_SPILL_MAX, exit 2, nothing published or left."""
    spill = tmp_path / "spill"
    res = _cli_ingest(tmp_path / "store", snapshot(tmp_path), {budget.SPILL_MAX_ENV: "1KB",
                                                                budget.SPILL_ENV: str(spill)})
    assert res.exit_code == 2, res.output
    assert "out of disk for spilling" in res.output and "RELCHECK_SPILL_MAX" in res.output
    assert "Traceback" not in res.output
    assert not Store(tmp_path / "store").exists() or Store(tmp_path / "store").release_ids() == []
    assert list(spill.iterdir()) == []
    ok = _cli_ingest(tmp_path / "store", snapshot(tmp_path), {budget.SPILL_MAX_ENV: "10MB",
                                                               budget.SPILL_ENV: str(spill)})
    assert ok.exit_code == 0, ok.output


def test_a_full_disk_while_splitting_is_exit_2(tmp_path: Path, in_parts: None,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine's "No space left on device" while writing the split: exit 2, what ran out, no traceback."""
    def full_disk(self: Any, relation: Any, folder: Path, column: str) -> Any:
        folder.mkdir(parents=True)
        (folder / "half-written.parquet").write_bytes(b"PAR1")
        raise duckdb.IOException(f'IO Error: Could not write file "{folder}/x.parquet": No space left on device')

    monkeypatch.setattr(duckdb_engine.DuckDBEngine, "write_parquet_split", full_disk)
    spill = tmp_path / "spill"
    res = _cli_ingest(tmp_path / "store", snapshot(tmp_path), {budget.SPILL_ENV: str(spill)})
    assert res.exit_code == 2, res.output
    assert "out of disk space" in res.output and "No space left on device" in res.output
    assert "Traceback" not in res.output
    assert not Store(tmp_path / "store").exists() or Store(tmp_path / "store").release_ids() == []
    assert list(spill.iterdir()) == []
