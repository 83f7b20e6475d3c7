"""Ranges of places (dashboard.engine.place_ranges): a big release's per-place aggregates (every place × source
or source scope) run one range of place ids after another, and give the same results as one query."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pytest
from click.testing import CliRunner

from dashboard.attribution import onset
from dashboard.cli import main
from dashboard.engine import place_ranges, session
from dashboard.sql import budget, duckdb_engine
from dashboard.store.catalog import Store


@pytest.fixture
def default_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(budget.MEMORY_ENV, "2GB")
    monkeypatch.setenv(budget.THREADS_ENV, "2")


def test_ranges_are_sized_by_the_budget(default_budget: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # DuckDB's share of 2 GB is 1.2 GB, on two threads: 1.2 M groups a range
    assert place_ranges.range_count(0) == 1
    assert place_ranges.range_count(1_200_000) == 1
    assert place_ranges.range_count(1_200_001) == 2
    assert place_ranges.range_count(2_000_000 * 4) == 7  # every place × source at 2,000,000 places
    monkeypatch.setenv(budget.MEMORY_ENV, "4GB")
    assert place_ranges.range_count(2_000_000 * 4) == 4


def _contains(ranges: list[place_ranges.PlaceRange], place_id: str) -> int:
    """How many ranges take ``place_id`` by the filter the queries apply (evaluated by DuckDB)."""
    con = duckdb_engine.connect().con
    table = pa.table({"lo": [r[0] for r in ranges], "hi": [r[1] for r in ranges]})
    con.register("ranges", table)
    return con.execute("SELECT count(*) FROM ranges WHERE $p >= lo AND (hi = '' OR $p < hi)", {"p": place_id}).fetchone()[0]


def test_every_place_known_or_not_lies_in_one_range(default_budget: None, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = [f"p{n:03d}" for n in range(100)]
    monkeypatch.setattr(place_ranges, "GROUPS_PER_GB", 42)  # int(42 × 1.2 / 2): 25 groups a range, 4 of 100 places
    with duckdb_engine.connect() as eng:
        eng.register("places_t", pa.table({"place_id": list(reversed(ids)), "name": ids}))
        ranges = place_ranges.place_ranges(eng, "places_t", 1)
        assert place_ranges.place_ranges(eng, "places_t", 0) == ranges  # a query of no scopes still runs once
        assert len(place_ranges.place_ranges(eng, "places_t", 4)) == 16
    assert ranges == [("", "p025"), ("p025", "p050"), ("p050", "p075"), ("p075", "")]
    for place_id in [*ids, "", "a", "p0255", "p9", "zzz", "P000"]:
        assert _contains(ranges, place_id) == 1, place_id


def test_few_groups_run_in_one_go(default_budget: None) -> None:
    with duckdb_engine.connect() as eng:
        eng.register("places_t", pa.table({"place_id": ["b", "a"]}))
        assert place_ranges.place_ranges(eng, "places_t", 4) == place_ranges.EVERY_PLACE
    assert _contains(place_ranges.EVERY_PLACE, "") == 1


def _counting(module: Any, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record how many ranges each call of ``module.place_ranges`` gave."""
    seen: list[int] = []
    real: Callable[..., list[place_ranges.PlaceRange]] = place_ranges.place_ranges

    def counted(*args: Any) -> list[place_ranges.PlaceRange]:
        out = real(*args)
        seen.append(len(out))
        return out

    monkeypatch.setattr(module, "place_ranges", counted)
    return seen


def _outputs(home: str) -> list[str]:
    commands = [["compare", "--by", "source"], ["compare", "--by", "segment"],
                ["attribute", "--scope", "all"], ["attribute", "--scope", "segment:commuters"]]
    out = []
    for args in commands:
        result = CliRunner().invoke(main, [*args, "--home", home, "--format", "json"], prog_name="relcheck")
        assert result.exit_code == 0, result.output
        out.append(result.stdout)
    return out


def test_many_ranges_give_the_same_results_as_one(sample_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    home = str(sample_store.home)
    in_sessions, in_onsets = _counting(session, monkeypatch), _counting(onset, monkeypatch)
    one = _outputs(home)
    assert set(in_sessions) == {1} and set(in_onsets) == {1}
    in_sessions.clear()
    in_onsets.clear()
    monkeypatch.setattr(place_ranges, "GROUPS_PER_GB", 300)  # the sample's few hundred places in ~10 ranges
    many = _outputs(home)
    assert min(in_sessions) > 3 and min(in_onsets) > 3
    assert many == one


def _out_of_memory() -> Exception:
    import duckdb

    return duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block of size 256.0 KiB")


def test_a_range_that_runs_out_of_memory_is_done_again_in_halves() -> None:
    """Sums per place, made range by range; a range of more than 4 places runs out of memory: it is halved
    until its halves fit, and the table holds every place's sum once, as in one go."""
    with duckdb_engine.connect() as eng:
        eng.register("places_x", eng.con.sql("SELECT 'p' || lpad(i::VARCHAR, 2, '0') AS place_id, 'n' AS name "
                                             "FROM range(20) t(i)"))
        tried: list[tuple[str, str]] = []

        def run(part: place_ranges.PlaceRange, first: bool) -> None:
            tried.append(part)
            count = eng.con.execute("SELECT count(*) FROM places_x WHERE place_id >= $lo AND ($hi = '' OR "
                                    "place_id < $hi)", {"lo": part[0], "hi": part[1]}).fetchall()[0][0]
            if count > 4:
                raise _out_of_memory()
            head = "CREATE TEMP TABLE sums AS" if first else "INSERT INTO sums"
            eng.con.execute(f"{head} SELECT place_id FROM places_x WHERE place_id >= $lo AND ($hi = '' OR "
                            "place_id < $hi)", {"lo": part[0], "hi": part[1]})

        place_ranges.each_range(eng, "places_x", place_ranges.split_places(eng, "places_x", 2), run)
        stored = [r[0] for r in eng.con.execute("SELECT place_id FROM sums").fetchall()]
        assert stored == [f"p{i:02d}" for i in range(20)]  # every place once, in order
        assert len(tried) > 2 and tried[0] == ("", "p10")  # the first range failed and was halved

        def never_fits(part: place_ranges.PlaceRange, first: bool) -> None:
            raise _out_of_memory()

        with pytest.raises(Exception, match="Out of Memory"):  # down to one place: the error stands
            place_ranges.each_range(eng, "places_x", place_ranges.EVERY_PLACE, never_fits)

        def broken(part: place_ranges.PlaceRange, first: bool) -> None:
            raise ValueError("not memory")

        with pytest.raises(ValueError):  # any other error is not retried
            place_ranges.each_range(eng, "places_x", place_ranges.EVERY_PLACE, broken)
