"""Divergence onset (README "Divergence onset"): the rule on tiny series, and on the simulator's injected
faults whose start dates the ground truth knows; quiet scopes have none."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa
import pytest

from dashboard.engine import divergence
from dashboard.engine.metrics import compare_releases
from dashboard.sql.duckdb_engine import connect
from dashboard.store.catalog import Store

START = dt.date(2026, 1, 5)
DAYS = 70


def wave(i: int) -> float:
    """A weekly shape with a little day-to-day noise both releases share in part."""
    return 1000.0 * (1.0 + 0.3 * (i % 7 in (5, 6))) + 7.0 * ((i * 37) % 11 - 5)


def noise(i: int) -> float:
    return 1.0 + 0.002 * ((i * 13) % 7 - 3)


def onsets_of(series: dict[str, list[tuple[float, float]]]) -> dict[str, str]:
    rows = [{"scope_id": sid, "date": START + dt.timedelta(days=i), "current": a, "candidate": b}
            for sid, days in series.items() for i, (a, b) in enumerate(days)]
    with connect() as engine:
        engine.register("series", pa.Table.from_pylist(rows))
        days = len(next(iter(series.values())))
        found = divergence.onsets_of(engine, START, days, "series")
        return {sid: o.diverges_from.isoformat() for sid, o in found.items()}


def test_the_rule_on_tiny_series() -> None:
    day40 = (START + dt.timedelta(days=40)).isoformat()
    base = [(wave(i), wave(i) * noise(i)) for i in range(DAYS)]
    found = onsets_of({
        "same": [(wave(i), wave(i)) for i in range(DAYS)],
        "noisy": base,
        "shifted_from_day_one": [(a, 1.2 * b) for a, b in base],  # a level change: its usual difference
        "step_down_day_40": [(a, b * (0.9 if i >= 40 else 1.0)) for i, (a, b) in enumerate(base)],
        "step_up_day_40_one_day_missed": [(a, b * (1.1 if i >= 40 and i != 42 else 1.0))
                                          for i, (a, b) in enumerate(base)],
        "three_odd_days": [(a, b * (1.5 if i in (30, 31, 50) else 1.0)) for i, (a, b) in enumerate(base)],
        "back_at_the_end": [(a, b * (0.8 if i >= DAYS - 4 else 1.0)) for i, (a, b) in enumerate(base)],
        "opened_day_40": [(0.0, wave(i) if i >= 40 else 0.0) for i in range(DAYS)],
    })
    assert found == {"step_down_day_40": day40, "step_up_day_40_one_day_missed": day40, "opened_day_40": day40}


def test_a_window_too_short_for_a_baseline_has_no_onset() -> None:
    assert onsets_of({"short": [(100.0, 100.0 if i < 6 else 200.0) for i in range(13)]}) == {}


# ------------------------------------------------------------------------------ the simulator's faults
def diverges(store: Store, current: str, candidate: str, by: str) -> dict[str, str | None]:
    return {m.scope.scope_id: m.diverges_from for m in compare_releases(store, current, candidate, by=by).scopes}


def test_the_source_outage_diverges_from_its_injected_date(sample_store: Store, ground_truth: dict[str, Any]) -> None:
    loss = next(c for c in ground_truth["changes"] if c["kind"] == "source_device_loss")
    cur = ground_truth["pair"]["current"]
    run = next(r["release_id"] for r in ground_truth["releases"] if r["swapped"] == [loss["component"]])
    # The run with only source_ingest swapped: the outage is its only difference.
    regions = diverges(sample_store, cur, run, "region")
    assert regions == {f"region:{r}": (loss["date"] if r == loss["region"] else None)
                       for r in ground_truth["settings"]["regions"]}
    sources = diverges(sample_store, cur, run, "source")
    assert sources == {f"source:{s}": (loss["date"] if s == loss["source"] else None)
                       for s in ground_truth["settings"]["sources"]}
    # The candidate carries every change at once; the outage's region and source still part on its date.
    both = diverges(sample_store, cur, ground_truth["pair"]["candidate"], "region")
    assert both[f"region:{loss['region']}"] == loss["date"]
    assert both["region:SE"] is None and both["region:SW"] is None


def test_opened_places_diverge_from_their_opening_day(sample_store: Store, ground_truth: dict[str, Any]) -> None:
    opened = next(c for c in ground_truth["changes"] if c["kind"] == "places_opened")["opened_on"]
    pair = ground_truth["pair"]
    places = diverges(sample_store, pair["current"], pair["candidate"], "place")
    assert {pid: places[f"place:{pid}"] for pid in opened} == opened


@pytest.mark.parametrize("component", ["stop_detection", "normalization"])
def test_quiet_scopes_have_no_onset(sample_store: Store, ground_truth: dict[str, Any], component: str) -> None:
    """The negative control (stop detection rebuilt with the same parameters) changes nothing; the new
    normalization shifts levels from the first day on, which is a level change, not a divergence."""
    run = next(r["release_id"] for r in ground_truth["releases"] if r["swapped"] == [component])
    cur = ground_truth["pair"]["current"]
    for by in ("region", "category", "source"):
        found = diverges(sample_store, cur, run, by)
        assert found and set(found.values()) == {None}, (by, found)
