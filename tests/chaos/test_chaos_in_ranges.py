"""A virtual candidate's place-day sums are made range of places by range (as the ingest rolls up a big
release): the chaos verdicts are the same as in one piece."""

from __future__ import annotations

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
