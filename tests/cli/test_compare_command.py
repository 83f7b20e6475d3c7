"""``relcheck compare`` (click CliRunner): JSON shape, CSV header, table, --scope, --by, --sort, errors."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from snapshots import daily_rows, write_snapshot

from dashboard.cli import main
from dashboard.cli.compare_cmds import SORT_ORDER
from dashboard.engine.metrics import FLAT_COLUMNS, compare_releases
from dashboard.metric_catalog import METRIC_NAMES
from dashboard.stakeholders import load_stakeholders
from dashboard.store.catalog import Store
from dashboard.store.ingest import ingest_release

STAKEHOLDERS = """
[[customers]]
id = "freshco"
name = "FreshCo Inc."
tier = "key"
brands = ["FreshCo"]
competitors = ["ValueMart"]

[[deals]]
id = "gyms"
prospect = "Pacific Fitness"
stage = "trial"
categories = ["Fitness"]
"""

PLACES = [
    {"place_id": "p1", "name": "FreshCo 1", "brand": "FreshCo", "category": "Grocery", "region": "NE"},
    {"place_id": "p2", "name": "ValueMart 1", "brand": "ValueMart", "category": "Grocery", "region": "W"},
    {"place_id": "p3", "name": "Gym", "brand": None, "category": "Fitness", "region": "W"},
    {"place_id": "p4", "name": "FreshCo 2", "brand": "FreshCo", "category": "Grocery", "region": "W"},
]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A store with releases A (current) and B; B starts later (the window trims) and drops p4."""
    store = Store(tmp_path / "store")
    va, vb = [], []
    for i, p in enumerate(("p1", "p2", "p3", "p4")):
        va += daily_rows(p, "2026-01-01", [10.0 * (i + 1) + d % 7 for d in range(35)], raw_visits=5)
        va += daily_rows(p, "2026-01-01", [1.0 + d % 3 for d in range(35)], source="sdk_b", raw_visits=1)
    for i, p in enumerate(("p1", "p2", "p3")):
        vb += daily_rows(p, "2026-01-03", [11.0 * (i + 1) + d % 5 for d in range(33)], raw_visits=6)
        vb += daily_rows(p, "2026-01-03", [2.0 + d % 4 for d in range(33)], source="sdk_c", raw_visits=2)
    ingest_release(store, write_snapshot(tmp_path / "A", "A", va, PLACES, created_at="2026-11-01T00:00:00Z"))
    ingest_release(store, write_snapshot(tmp_path / "B", "B", vb, PLACES[:3], created_at="2026-11-02T00:00:00Z"))
    return store.home


@pytest.fixture
def stakeholders_file(tmp_path: Path) -> Path:
    path = tmp_path / "stakeholders.toml"
    path.write_text(STAKEHOLDERS, encoding="utf-8")
    return path


def run(home: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["compare", "--home", str(home), *args], env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_json_shape(home: Path) -> None:
    code, out, _ = run(home, "--current", "A", "--candidate", "B", "--by", "category", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert list(doc) == ["current", "candidate", "window", "rows"]
    assert (doc["current"], doc["candidate"]) == ("A", "B")
    assert doc["window"] == {"start": "2026-01-03", "end": "2026-02-04"}
    assert [r["scope_id"] for r in doc["rows"]] == ["Fitness", "Grocery"]
    for row in doc["rows"]:
        assert list(row) == ["scope_type", "scope_id", "scope_name", *METRIC_NAMES, "diverges_from"]
        assert row["scope_type"] == "category"
        assert row["diverges_from"] is None or isinstance(row["diverges_from"], str)
        low, high = row["level_change_ci95_pct"]
        assert low < row["level_change_pct"] < high
    grocery = doc["rows"][1]
    assert (grocery["places_current"], grocery["places_candidate"], grocery["places_dropped"]) == (3, 2, 1)
    assert grocery["rank_corr"] is None  # two common places
    # the same numbers as the core entry point
    assert doc == json.loads(json.dumps(compare_releases(Store(home), "A", "B", by="category").to_json()))


def test_defaults_to_current_and_default_candidate_and_the_all_scope(home: Path) -> None:
    code, out, _ = run(home, "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert (doc["current"], doc["candidate"]) == ("A", "B")
    assert [(r["scope_type"], r["scope_id"], r["scope_name"]) for r in doc["rows"]] == [("all", "all", "All places")]


def test_csv_header_and_interval_columns(home: Path) -> None:
    code, out, _ = run(home, "--by", "source", "--format", "csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == list(FLAT_COLUMNS)
    assert "level_change_ci95_low_pct" in rows[0] and "level_change_ci95_high_pct" in rows[0]
    assert "level_change_ci95_pct" not in rows[0]
    body = {r[1]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert sorted(body) == ["sdk_a", "sdk_b", "sdk_c"]
    # sdk_c has no current visits: no level change, no interval (empty cells)
    assert body["sdk_c"]["level_change_pct"] == "" and body["sdk_c"]["level_change_ci95_low_pct"] == ""
    assert float(body["sdk_a"]["level_change_ci95_low_pct"]) < float(body["sdk_a"]["level_change_pct"])


def test_scope_limits_to_one_row(home: Path, stakeholders_file: Path) -> None:
    code, out, _ = run(home, "--scope", "place:p4", "--format", "json")
    assert code == 0
    (row,) = json.loads(out)["rows"]
    assert (row["scope_type"], row["scope_id"], row["scope_name"]) == ("place", "p4", "FreshCo 2")
    assert (row["places_current"], row["places_candidate"], row["places_dropped"]) == (1, 0, 1)
    assert row["visits_candidate"] == 0 and row["daily_corr"] is None
    code, out, _ = run(home, "--scope", "customer:freshco", "--stakeholders", str(stakeholders_file),
                       "--format", "json")
    assert code == 0
    (row,) = json.loads(out)["rows"]
    assert (row["scope_id"], row["scope_name"], row["places_current"]) == ("freshco", "FreshCo Inc.", 3)


def test_by_customer_and_deal_with_stakeholders(home: Path, stakeholders_file: Path) -> None:
    code, out, _ = run(home, "--by", "deal", "--stakeholders", str(stakeholders_file), "--format", "json")
    assert code == 0
    assert [r["scope_id"] for r in json.loads(out)["rows"]] == ["gyms"]
    # the default stakeholders file comes from RELCHECK_STAKEHOLDERS
    code, out, _ = run(home, "--by", "customer", "--format", "json",
                       env={"RELCHECK_STAKEHOLDERS": str(stakeholders_file)})
    assert code == 0
    rows = json.loads(out)["rows"]
    assert [(r["scope_type"], r["scope_id"]) for r in rows] == [("customer", "freshco")]
    holders = load_stakeholders(stakeholders_file)
    assert rows == compare_releases(Store(home), "A", "B", by="customer", stakeholders=holders).to_json()["rows"]


def test_missing_stakeholders_file_is_exit_2(home: Path, tmp_path: Path) -> None:
    code, _, err = run(home, "--by", "customer", env={"RELCHECK_STAKEHOLDERS": str(tmp_path / "nope.toml")})
    assert code == 2 and "nope.toml" in err and "not found" in err


def test_table_is_rounded_and_readable(home: Path) -> None:
    code, out, _ = run(home, "--by", "place")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "current A vs candidate B, window 2026-01-03..2026-02-04 (33 days), 4 scopes"
    header = lines[1].split()
    assert header == list(FLAT_COLUMNS)
    assert len(lines) == 3 + 4
    p4 = next(line for line in lines if line.startswith("place") and " p4 " in line)
    assert " - " in p4  # nulls shown as "-"
    assert "FreshCo 2" in p4
    # visits with one decimal and thousands separators, no long float tails
    assert all(len(cell) < 16 for line in lines[3:] for cell in line.split())


def test_sort_worst_first(home: Path) -> None:
    code, out, _ = run(home, "--by", "place", "--sort", "level_change_pct", "--format", "json")
    assert code == 0
    rows = json.loads(out)["rows"]
    changes = [r["level_change_pct"] for r in rows]
    assert changes[-1] is None or all(c is not None for c in changes)
    known = [abs(c) for c in changes if c is not None]
    assert known == sorted(known, reverse=True)
    code, out, _ = run(home, "--by", "place", "--sort", "daily_corr", "--format", "json")
    corr = [r["daily_corr"] for r in json.loads(out)["rows"] if r["daily_corr"] is not None]
    assert corr == sorted(corr)
    code, out, _ = run(home, "--by", "place", "--sort", "daily_corr", "--reverse", "--format", "json")
    corr = [r["daily_corr"] for r in json.loads(out)["rows"] if r["daily_corr"] is not None]
    assert corr == sorted(corr, reverse=True)
    assert set(SORT_ORDER) == set(METRIC_NAMES) - {"level_change_ci95_pct"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--current", "Z"], "unknown release 'Z'; releases in .*: A, B"),
        (["--candidate", "Q"], "unknown release 'Q'; releases in .*: A, B"),
        (["--scope", "category:Bakeries"], "unknown category 'Bakeries' in either release; known: Fitness, Grocery"),
        (["--scope", "source:radio"], "unknown source 'radio' in either release; known: sdk_a, sdk_b, sdk_c"),
        (["--scope", "galaxy:far"], "bad scope 'galaxy:far'"),
        (["--by", "region", "--scope", "category:Grocery"], "is a category scope but --by is region"),
    ],
)
def test_unknown_release_or_scope_exit_2_with_listing(home: Path, args: list[str], message: str) -> None:
    code, out, err = run(home, *args)
    assert code == 2
    assert out == ""
    assert re.search(message, err), err


def test_unknown_customer_lists_the_known_ones(home: Path, stakeholders_file: Path) -> None:
    code, _, err = run(home, "--scope", "customer:greenbasket", "--stakeholders", str(stakeholders_file))
    assert code == 2 and "no customer 'greenbasket'" in err and "freshco" in err


def test_bad_choices_are_usage_errors(home: Path) -> None:
    assert run(home, "--by", "galaxy")[0] == 2
    assert run(home, "--sort", "level_change_ci95_pct")[0] == 2
    assert run(home, "--format", "xml")[0] == 2


def test_help() -> None:
    result = CliRunner().invoke(main, ["compare", "--help"])
    assert result.exit_code == 0
    for option in ("--current", "--candidate", "--by", "--scope", "--stakeholders", "--sort", "--format", "--home"):
        assert option in result.output
    assert "customer|deal|category|region|brand|source|segment|place" in result.output.replace("\n", "")
    assert "compare" in CliRunner().invoke(main, ["--help"]).output
