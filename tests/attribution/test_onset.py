"""What diverged at a scope's divergence onset: the finest segment making up two thirds of the shift, and the
line a scope's summary and `attribute` show ("diverges from 2026-06-11 (candidate lower), sdk_beta in W")."""

from __future__ import annotations

from typing import Any

import pytest

from dashboard.attribution import core as attribution
from dashboard.attribution.onset import what_diverged, words
from dashboard.attribution.scope_detail import scope_detail
from dashboard.engine.scopes import simple_scope
from dashboard.sql import duckdb_engine
from dashboard.store.catalog import Store


def cell(source: str, region: str, place: str, before: tuple[float, float], after: tuple[float, float]) -> dict:
    return {"source": source, "region": region, "place_id": place, "current_before": before[0],
            "candidate_before": before[1], "current_after": after[0], "candidate_after": after[1]}


def diverged(cells: list[dict], names: dict[str, str] | None = None, direction: int = 0) -> tuple | None:
    """What attr_onset_levels and what_diverged name for these cells: the words and the share."""
    import pyarrow as pa

    with duckdb_engine.connect() as eng:
        eng.register("onset_cells", pa.Table.from_pylist(cells))
        levels = eng.run("attr_onset_levels", inputs={"onset_cells": "onset_cells"}).dicts()
    found = what_diverged(levels, direction)
    return None if found is None else (words(found[0], found[1], names or {}), found[2], found[3])


def test_a_source_in_a_region_a_place_or_nothing() -> None:
    # sdk_b loses a fifth of its visits in W from the onset, on two places; every other cell keeps its ratio
    drop = [cell("sdk_b", "W", p, (100, 110), (100, 88)) for p in ("p1", "p2")]
    steady = [cell(s, r, p, (100, 105), (50, 52.5)) for s, r, p in
              (("sdk_a", "W", "p1"), ("sdk_a", "W", "p2"), ("sdk_a", "E", "p3"), ("sdk_b", "E", "p3"))]
    # each dropping cell: 88 - 110/100*100 = -22 visits; the steady ones 52.5 - 105/100*50 = 0
    assert diverged(drop + steady) == ("sdk_b in W", 1.0, pytest.approx(-44.0, rel=1e-12))
    assert diverged(drop + steady, direction=+1) is None  # the shift goes down: not what an upturn names
    # a place that opens at the onset: the candidate gains its visits, the current never had it
    opened = [cell(s, "W", "new", (0, 0), (0, 40)) for s in ("sdk_a", "sdk_b")]
    assert diverged(steady + opened, {"new": "FreshCo Bayview #1"})[0] == "FreshCo Bayview #1"
    # one place alone in two sources: the place is named before its sources (the finest level first)
    assert diverged(drop[:1] + steady)[:2] == ("p1", 1.0)
    # two sources in two regions moving apart by the same amount: no segment makes up two thirds
    spread = [cell("sdk_a", "W", "p1", (100, 100), (100, 90)), cell("sdk_b", "E", "p2", (100, 100), (100, 90))]
    assert diverged(spread) is None
    # a cell without current visits before keeps its share of the scope's growth (here 150/200 = 0.75)
    grown = [cell("sdk_a", "W", "p1", (100, 100), (50, 50)), cell("sdk_a", "E", "p2", (100, 100), (100, 100)),
             cell("sdk_b", "E", "p3", (0, 40), (0, 60))]
    assert diverged(grown) == ("p3", 1.0, pytest.approx(60 - 40 * 0.75, rel=1e-12))


def test_attribute_and_the_scope_detail_carry_the_onset(sample_store: Store, ground_truth: dict[str, Any]) -> None:
    loss = next(c for c in ground_truth["changes"] if c["kind"] == "source_device_loss")
    pair = ground_truth["pair"]
    a = attribution.attribute(sample_store, pair["current"], pair["candidate"], f"region:{loss['region']}")
    doc = a.to_json()
    assert doc["diverges_from"] == loss["date"]
    assert doc["divergence"]["line"] == f"diverges from {loss['date']} (candidate lower), {loss['source']} in W"
    assert doc["causes"]["text"].endswith(doc["divergence"]["line"])
    quiet = scope_detail(sample_store, pair["current"], pair["candidate"], simple_scope("region", "SW"))
    assert quiet.onset is None and quiet.diverges_from is None
    assert quiet.summary[0].startswith("does not diverge")
