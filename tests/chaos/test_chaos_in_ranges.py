"""A virtual candidate's place-day sums are made range of places by range (as the ingest rolls up a big
release): the chaos verdicts are the same as in one piece."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from dashboard.chaos import candidate
from dashboard.cli import main
from dashboard.store import place_parts
from dashboard.store.catalog import Store


def _chaos(store: Store) -> str:
    result = CliRunner().invoke(main, ["chaos", "--home", str(store.home), "--format", "json"], prog_name="relcheck")
    assert result.exit_code == 0, result.output
    return result.stdout


def test_many_ranges_give_the_same_verdicts(sample_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    splits: list[int] = []
    real = candidate.split_places

    def counted(*args: Any) -> Any:
        out = real(*args)
        splits.append(len(out))
        return out

    monkeypatch.setattr(candidate, "split_places", counted)
    whole = _chaos(sample_store)
    assert splits and set(splits) == {1}
    splits.clear()
    monkeypatch.setattr(place_parts, "ROWS_PER_PART_PER_GB", 20_000)  # the sample's releases in 32 ranges
    assert _chaos(sample_store) == whole
    assert min(splits) > 10


def test_a_range_that_runs_out_of_memory_gives_the_same_verdicts(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first range of every scenario's place-day sums runs out of memory once: summed again in halves,
    the same verdicts and values as without the failure."""
    import duckdb

    whole = _chaos(sample_store)
    monkeypatch.setattr(place_parts, "ROWS_PER_PART_PER_GB", 20_000)
    real = candidate.each_range
    failed: list[str] = []

    def first_runs_out(eng: Any, places: str, parts: Any, run: Any) -> None:
        state = {"failed": False}

        def once(part: Any, first: bool) -> None:
            if not state["failed"]:
                state["failed"] = True
                failed.append(places)
                raise duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block")
            run(part, first)

        real(eng, places, parts, once)

    monkeypatch.setattr(candidate, "each_range", first_runs_out)
    assert _chaos(sample_store) == whole
    assert len(failed) == len(json.loads(whole)["scenarios"])  # once in every scenario
