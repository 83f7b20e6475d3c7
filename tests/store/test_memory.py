"""Bounded memory (issue 17): a tiny budget spills and gives the same results; row order does not matter;
memory or disk running out is exit 2 with what ran out, and nothing is published.

The demo sample is small, so a budget of a few tens of MB is what makes it spill: the same plan a 2GB budget
follows on hundreds of millions of rows. That it really spilled is shown by capping the spill folder
($RELCHECK_SPILL_MAX): with the same budget, the same ingest then runs out of spill space.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from dashboard.cli import main
from dashboard.engine import metrics
from dashboard.paths import default_stakeholders
from dashboard.sql import budget
from dashboard.sql.files import queries_dir
from dashboard.stakeholders import load_stakeholders
from dashboard.store.catalog import Store
from dashboard.store.ingest import ingest_release

#: Small enough that ingesting the demo sample spills (shown by the spill cap below).
TINY = "24MB"
#: A comparison keeps its per-scope aggregates in memory (about 30 MB on the sample, far from the budget at
#: any size): it runs under this budget, checked by DuckDB's own limit.
TINY_COMPARE = "64MB"
FILES = ("visits.parquet", "place_daily.parquet", "place_source.parquet", "places.parquet", "label_daily.parquet")


@pytest.fixture(autouse=True)
def _two_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """DuckDB's memory per thread decides where it spills: the same on every machine. The daily rollup in one
    piece (at tiny budgets it would be split in place ranges, and not spill: tested on its own below)."""
    from dashboard.store import place_parts

    monkeypatch.setenv(budget.THREADS_ENV, "2")
    monkeypatch.setattr(place_parts, "ROWS_PER_PART_PER_GB", 10**15)


def _pair(demo_sample: Any) -> list[Path]:
    result, _ = demo_sample
    by_id = dict(zip(result.release_ids, result.release_dirs, strict=True))
    return [by_id[result.current_id], by_id[result.candidate_id]]


def _ingest(home: Path, folders: list[Path]) -> Store:
    store = Store(home)
    for folder in folders:
        ingest_release(store, folder)
    return store


def _contents(store: Store, rid: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every stored file's rows, sorted: the stored row order is free, the rows are not."""
    folder = store.release(rid).visits_path.parent
    con = duckdb.connect()
    return {name: sorted(con.execute("SELECT * FROM read_parquet($f)", {"f": str(folder / name)}).fetchall(),
                         key=repr)
            for name in FILES}


def _compare(store: Store, current: str, candidate: str) -> list[dict[str, Any]]:
    sh = load_stakeholders(default_stakeholders())
    out = []
    for by in ("category", "customer"):
        comp = metrics.compare_releases(store, current, candidate, by=by, stakeholders=sh)
        out += [{"scope": s.scope.value, **s.values} for s in comp.scopes]
    return out


def _shuffled(folder: Path, dest: Path) -> Path:
    """A copy of a release folder with its visits rows in a seeded random order."""
    dest.mkdir(parents=True)
    for name in ("release.toml", "places.parquet"):
        shutil.copyfile(folder / name, dest / name)
    con = duckdb.connect()
    con.execute("COPY (SELECT * FROM read_parquet($src) ORDER BY hash(place_id, date, source, 17)) TO '"
                + str(dest / "visits.parquet").replace("'", "''") + "' (FORMAT parquet)", {"src": str(folder / "visits.parquet")})
    return dest


@pytest.fixture(scope="module")
def unbudgeted(demo_sample: Any, tmp_path_factory: pytest.TempPathFactory) -> Store:
    mp = pytest.MonkeyPatch()
    mp.setenv(budget.MEMORY_ENV, "4GB")
    try:
        return _ingest(tmp_path_factory.mktemp("unbudgeted") / "store", _pair(demo_sample))
    finally:
        mp.undo()


@pytest.fixture(scope="module")
def expected(demo_sample: Any, unbudgeted: Store) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """What the unbudgeted store holds and compares: every file's rows of both releases, the comparisons."""
    result, _ = demo_sample
    ids = (result.current_id, result.candidate_id)
    return {rid: _contents(unbudgeted, rid) for rid in ids}, _compare(unbudgeted, *ids)


@pytest.fixture(scope="module")
def shuffled_pair(demo_sample: Any, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The pair's release folders with their visits rows in a seeded random order."""
    root = tmp_path_factory.mktemp("shuffled")
    return [_shuffled(f, root / f.name) for f in _pair(demo_sample)]


def test_tiny_budget_spills_and_gives_identical_results(
    demo_sample: Any, expected: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result, _ = demo_sample
    ids = (result.current_id, result.candidate_id)
    contents, comparisons = expected

    monkeypatch.setenv(budget.MEMORY_ENV, TINY)
    small = _ingest(tmp_path / "small", _pair(demo_sample))
    assert {rid: _contents(small, rid) for rid in ids} == contents
    monkeypatch.setenv(budget.MEMORY_ENV, TINY_COMPARE)
    assert _compare(Store(small.home), *ids) == comparisons
    with Store(small.home).cursor() as eng:  # the reading side runs within the budget too
        limit = eng.con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    assert limit.endswith("MiB") and float(limit.split()[0]) < 40

    # The same budget with no room to spill fails: so the ingest above did spill.
    monkeypatch.setenv(budget.SPILL_MAX_ENV, "1KB")
    monkeypatch.setenv(budget.MEMORY_ENV, TINY)
    with pytest.raises(budget.ResourceError, match="out of disk for spilling"):
        _ingest(tmp_path / "capped", _pair(demo_sample)[:1])


def test_unsorted_input_ingests_identical_to_sorted(
    demo_sample: Any, expected: Any, shuffled_pair: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result, _ = demo_sample
    ids = (result.current_id, result.candidate_id)
    contents, comparisons = expected
    # Shuffled rows need a bit more than TINY: Parquet's per-row-group dictionaries of place ids grow.
    monkeypatch.setenv(budget.MEMORY_ENV, TINY_COMPARE)
    shuffled = _ingest(tmp_path / "store", shuffled_pair)
    assert {rid: _contents(shuffled, rid) for rid in ids} == contents
    monkeypatch.delenv(budget.MEMORY_ENV)
    assert _compare(Store(shuffled.home), *ids) == comparisons


def test_unsorted_input_in_parts_ingests_identical_to_sorted(
    demo_sample: Any, unbudgeted: Store, expected: Any, shuffled_pair: list[Path], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Shuffled rows, split in parts of places (as a big release is): the same stored rows and comparisons as
    the sorted release ingested in one piece."""
    from dashboard.store import place_parts

    result, _ = demo_sample
    ids = (result.current_id, result.candidate_id)
    contents, comparisons = expected
    monkeypatch.setattr(place_parts, "ROWS_PER_PART_PER_GB", 100_000)
    assert place_parts.part_count(unbudgeted.release(ids[0]).rows) > 1
    parts = _ingest(tmp_path / "store", shuffled_pair)
    assert {rid: _contents(parts, rid) for rid in ids} == contents
    assert _compare(Store(parts.home), *ids) == comparisons


def _cli_ingest(home: Path, folder: Path, env: dict[str, str]) -> Any:
    return CliRunner().invoke(main, ["ingest", str(folder), "--home", str(home)], env=env)


def test_impossible_budget_is_exit_2_and_publishes_nothing(demo_sample: Any, tmp_path: Path) -> None:
    home = tmp_path / "store"
    res = _cli_ingest(home, _pair(demo_sample)[0], {budget.MEMORY_ENV: "5MB"})
    assert res.exit_code == 2, res.output
    assert "out of memory" in res.output and "RELCHECK_MEMORY" in res.output
    assert "Traceback" not in res.output
    assert not Store(home).exists() or Store(home).release_ids() == []


def test_full_spill_folder_is_exit_2_and_publishes_nothing(demo_sample: Any, tmp_path: Path) -> None:
    home = tmp_path / "store"
    res = _cli_ingest(home, _pair(demo_sample)[0], {budget.MEMORY_ENV: TINY, budget.SPILL_MAX_ENV: "1KB",
                                                   budget.SPILL_ENV: str(tmp_path / "spill")})
    assert res.exit_code == 2, res.output
    assert "out of disk for spilling" in res.output and "RELCHECK_SPILL_DIR" in res.output
    assert "Traceback" not in res.output
    assert not Store(home).exists() or Store(home).release_ids() == []
    assert list((tmp_path / "spill").iterdir()) == []  # the ingest's spill folder is gone too


def test_unusable_spill_folder_is_exit_2(demo_sample: Any, tmp_path: Path) -> None:
    """A spill folder that cannot be made (here: under a file) is named, with the setting that moves it."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    home = tmp_path / "store"
    res = _cli_ingest(home, _pair(demo_sample)[0], {budget.SPILL_ENV: str(blocker / "spill")})
    assert res.exit_code == 2, res.output
    assert "spill folder" in res.output and "RELCHECK_SPILL_DIR" in res.output
    assert not Store(home).exists() or Store(home).release_ids() == []


def test_compare_out_of_memory_is_exit_2(sample_store: Store) -> None:
    res = CliRunner().invoke(main, ["compare", "--by", "category", "--home", str(sample_store.home)],
                             env={budget.MEMORY_ENV: "5MB"})
    assert res.exit_code == 2, res.output
    assert "out of memory" in res.output and "RELCHECK_MEMORY" in res.output and "Traceback" not in res.output
    # It names the stored query that ran out, so a report at a size nobody tested says where to look.
    query = re.search(r"out of memory in query ([a-z0-9_]+):", res.output)
    assert query is not None, res.output
    assert (queries_dir() / f"{query.group(1)}.sql").is_file()


@pytest.mark.parametrize("text", ["2", "lots", "2 GBs", "-1GB"])
def test_a_budget_that_is_not_a_size_is_refused(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(budget.MEMORY_ENV, text)
    if text == "2":  # a plain number is bytes, as DuckDB reads it
        assert budget.current().total == 2
        return
    with pytest.raises(budget.RelcheckError, match="RELCHECK_MEMORY"):
        budget.current()


def test_budget_sizes() -> None:
    assert budget.parse_size("2GB") == 2 * 10**9
    assert budget.parse_size("1.5GiB") == int(1.5 * 2**30)
    assert budget.parse_size("500 mb") == 500 * 10**6


def test_rollups_in_parts_of_places_are_identical(
    demo_sample: Any, unbudgeted: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A big release's rollups are computed part of places after part, from its visits split once by part:
    the same rows, the same values, in the same order as one query's."""
    from dashboard.store import place_parts

    result, _ = demo_sample
    monkeypatch.setattr(place_parts, "ROWS_PER_PART_PER_GB", 100_000)  # the sample in several parts
    rows = unbudgeted.release(result.current_id).rows
    assert place_parts.part_count(rows) >= 3
    parts = _ingest(tmp_path / "parts", _pair(demo_sample)[:1])
    rid = result.current_id
    assert _contents(parts, rid) == _contents(unbudgeted, rid)
    con = duckdb.connect()
    folder = parts.release(rid).visits_path.parent
    for name, key in (("place_daily.parquet", "place_id, date"), ("place_source.parquet", "place_id, source, segment")):
        stored = con.execute(f"SELECT {key} FROM read_parquet($f)", {"f": str(folder / name)}).fetchall()
        assert stored == sorted(stored), name


def test_threads_the_budget_affords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two ingest threads at the default budget (its big aggregates are split into parts sized per thread)."""
    monkeypatch.delenv(budget.THREADS_ENV)
    assert budget.Budget(budget.parse_size(budget.DEFAULT_MEMORY), Path(".")).engine_threads(cores=2) == 2
    assert budget.Budget(budget.parse_size("1GB"), Path(".")).engine_threads(cores=2) == 1
    assert budget.Budget(budget.parse_size("8GB"), Path(".")).engine_threads(cores=2) == 2


@pytest.mark.parametrize(("memory", "threads"), [("600MB", "1"), ("2GB", "2")])
def test_every_connection_gets_the_threads_the_budget_affords(
    memory: str, threads: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Readers too, not only the ingest: DuckDB's default (every core) can need more memory than the budget
    holds, and then the same query runs out of memory on one run and not on the next."""
    monkeypatch.setattr(budget.os, "cpu_count", lambda: 2)  # a machine of two cores or more
    monkeypatch.delenv(budget.THREADS_ENV)
    monkeypatch.setenv(budget.MEMORY_ENV, memory)
    with Store(tmp_path / "store").cursor() as eng:
        assert str(eng.con.execute("SELECT current_setting('threads')").fetchone()[0]) == threads
