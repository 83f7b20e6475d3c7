"""One robustness-matrix cell in depth: a stakeholder's daily series as stored and under one scenario's faults.

What the Chaos lab's drill-down draws, computed here so the page only draws it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dashboard.chaos.candidate import scenario_side
from dashboard.chaos.scenario import Scenario
from dashboard.engine import metrics
from dashboard.engine.scopes import resolve_scope
from dashboard.engine.session import PairSession
from dashboard.stakeholders.model import Stakeholders
from dashboard.store.catalog import Store

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class CellSeries:
    """One scenario × stakeholder scope: the daily series (stored → perturbed) and the pair's metrics.

    ``daily`` has the columns date, current (the release as stored) and candidate (under the scenario);
    ``values`` maps each metric name to its value for the pair, as ``compare`` reports it.
    """

    release: str
    scenario: str
    scope: str
    daily: pd.DataFrame
    values: dict[str, Any]


def cell_series(
    store: Store, release_id: str, scenario: Scenario, scope: str, stakeholders: Stakeholders | None
) -> CellSeries:
    """Compare ``scope`` in the stored release with the same release under ``scenario`` (nothing written).

    ``stakeholders`` resolves ``customer:`` and ``deal:`` scopes; None is enough for the other kinds.
    """
    d = resolve_scope(scope, stakeholders)
    with PairSession(store, release_id, scenario_side(store, release_id, scenario)) as session:
        session.prepare([d])
        m = metrics.compute(session)[0]
        daily = session.daily_series(d.scope_id)
    return CellSeries(release_id, scenario.name, scope, daily, dict(m.values))
