"""The Chaos lab's cell drill-down: one scenario × scope, stored vs perturbed daily series and the metrics."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from chaos_world import D0, DAYS, RID, VISITS, by_date, scenario

from dashboard.chaos.cell import CellSeries, cell_series
from dashboard.chaos.scenario import Perturbation
from dashboard.errors import RelcheckError
from dashboard.store.catalog import Store


def _totals(df: pd.DataFrame, column: str) -> dict[Any, float]:
    return by_date(df[["date", column]].rename(columns={column: "visits"}))


def test_a_scope_fed_by_the_dropped_source_goes_to_zero(world: tuple[Store, Any]) -> None:
    store, people = world
    cell = cell_series(store, RID, scenario(Perturbation("drop_source", source="x"), name="x outage"),
                       "customer:bco", people)
    assert isinstance(cell, CellSeries)
    assert (cell.release, cell.scenario, cell.scope) == (RID, "x outage", "customer:bco")
    assert list(cell.daily.columns) == ["date", "current", "candidate"]
    assert len(cell.daily) == DAYS and min(pd.to_datetime(cell.daily["date"]).dt.date) == D0
    # bco is brand B: place p2, fed by source x only.
    assert _totals(cell.daily, "current") == by_date(VISITS[VISITS["place_id"] == "p2"])
    assert set(_totals(cell.daily, "candidate").values()) == {0.0}
    assert cell.values["level_change_pct"] == pytest.approx(-100.0)


def test_a_scope_the_fault_misses_is_unchanged_and_needs_no_stakeholders(world: tuple[Store, Any]) -> None:
    store, _ = world
    cell = cell_series(store, RID, scenario(Perturbation("drop_source", source="x")), "category:Gym", None)
    assert _totals(cell.daily, "candidate") == _totals(cell.daily, "current")
    assert _totals(cell.daily, "current") == by_date(VISITS[VISITS["place_id"].isin(["p3", "p4"])])
    assert cell.values["level_change_pct"] == pytest.approx(0.0, abs=1e-9)


def test_a_customer_scope_without_stakeholders_is_refused(world: tuple[Store, Any]) -> None:
    store, _ = world
    with pytest.raises(RelcheckError):
        cell_series(store, RID, scenario(), "customer:bco", None)
