"""``relcheck compare --by place`` at any size: range of places by range, its rows spooled in DuckDB
(dashboard/cli/compare_stream.py) and printed exactly as the whole comparison's."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dashboard.cli import compare_stream, main
from dashboard.cli.compare_cmds import sort_rows
from dashboard.engine import place_comparison, place_ranges
from dashboard.engine.metrics import Comparison, compare_releases
from dashboard.engine.session import Window
from dashboard.reports.json_safe import finite_json
from dashboard.sql import budget
from dashboard.store.catalog import Store

#: About ten ranges of the sample's places (60 places a range).
MANY_RANGES = 2_400


def _compare(store: Store, *args: str) -> str:
    result = CliRunner().invoke(main, ["compare", "--home", str(store.home), "--by", "place", *args],
                                prog_name="relcheck")
    assert result.exit_code == 0, result.output
    return result.stdout


def _parts(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the parts compare_by_place computes (one comparison per range of places)."""
    parts: list[int] = []
    real = place_comparison.compare

    def counted(*args: Any, **kwargs: Any) -> Any:
        parts.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(place_comparison, "compare", counted)
    return parts


def test_many_ranges_print_what_one_prints(sample_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    # JSON with many ranges is checked against the comparison itself below.
    runs = [["--format", "table"], ["--format", "csv", "--sort", "daily_corr", "--reverse"]]
    parts = _parts(monkeypatch)
    whole = [_compare(sample_store, *args) for args in runs]
    assert len(parts) == len(runs)  # one range each
    parts.clear()
    monkeypatch.setattr(place_ranges, "GROUPS_PER_GB", MANY_RANGES)
    assert [_compare(sample_store, *args) for args in runs] == whole
    assert len(parts) > 5 * len(runs)


def test_rows_are_the_comparisons_in_its_order(sample_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(place_ranges, "GROUPS_PER_GB", MANY_RANGES)
    sort = ["--sort", "rank_corr", "--reverse"]  # best first, the places without a rank correlation last
    printed = json.loads(_compare(sample_store, "--format", "json", *sort))
    comparison = sort_rows(compare_releases(sample_store, None, None, by="place"), "rank_corr", reverse=True)
    expected = finite_json(comparison.to_json())
    assert len(expected["rows"]) > 100 and expected["rows"][-1]["rank_corr"] is None
    assert printed == json.loads(json.dumps(expected))


def test_the_spool_keeps_rows_on_disk_and_gives_them_back_in_order(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(budget.SPILL_ENV, str(tmp_path))
    spool = compare_stream.RowSpool(key=lambda r: None if r["v"] is None else -r["v"])
    try:
        rows = [{"scope_id": f"place:p{n:06d}", "v": None if n % 7 == 0 else float(n % 100) - 50.0,
                 "name": "caf\u00e9 \"x\"\n", "ci": [n / 3, None]} for n in range(30_000)]
        for start in range(0, len(rows), 7_000):
            spool.add(rows[start:start + 7_000])
        assert spool.count == len(rows)
        assert sys.getsizeof(spool._keys) < 40 * len(rows)  # keys and offsets in memory, not the rows
        expected = sorted((r for r in rows if r["v"] is not None), key=lambda r: -r["v"])
        expected += [r for r in rows if r["v"] is None]
        assert list(spool.rows(1)) == expected
        reverse = sorted((r for r in rows if r["v"] is not None), key=lambda r: -r["v"], reverse=True)
        assert list(spool.rows(-1)) == reverse + [r for r in rows if r["v"] is None]
    finally:
        spool.close()
    assert list(tmp_path.iterdir()) == []  # the file goes with the spool


def test_no_rows_print_as_an_empty_comparison(capsys: pytest.CaptureFixture[str]) -> None:
    head = Comparison("r1", "r2", Window(dt.date(2026, 1, 1), dt.date(2026, 1, 31)), [])
    compare_stream.emit_json(head, iter(()))
    assert capsys.readouterr().out == json.dumps(head.to_json(), indent=2) + "\n"
    compare_stream.emit_table("title", lambda: iter(()), ("a", "b"))
    compare_stream.emit_csv(iter(()), ("a", "b"))
    assert capsys.readouterr().out == "title\n(no rows)\na,b\n"
