"""Judging scenarios: each virtual candidate through the release gate, and the robustness matrix they make.

The gate's own criteria judge (never recorded in the gate log, no cause attribution); this module only
arranges the results: scenario × stakeholder → worst status, and the criterion that breaks first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dashboard.acceptance.gate import STATUS_RANK, CriterionResult, GateResult, evaluate_gate
from dashboard.chaos.candidate import check_scenarios, scenario_side
from dashboard.chaos.scenario import Scenario
from dashboard.engine.session import Side
from dashboard.stakeholders.model import Stakeholders
from dashboard.store.catalog import Store

if TYPE_CHECKING:
    import pandas as pd

Progress = Callable[[str, int, int], None]


def judge(store: Store, release_id: str, side: Side, stakeholders: Stakeholders) -> GateResult:
    """The gate on the pair (stored release → virtual candidate): never recorded, no cause attribution."""
    return evaluate_gate(store, release_id, side, stakeholders, attribute=False)


def violation(result: CriterionResult) -> float | None:
    """How far past its bound a failing (fail or warn) result is, normalised: distance ÷ |bound|
    (÷ 1 for a bound of 0), so bounds in different units compare. None when it holds or has no value."""
    if result.outcome not in ("fail", "warn") or not isinstance(result.value, int | float):
        return None
    v = float(result.value)
    t = result.threshold
    lo, hi = (t[0], t[1]) if isinstance(t, list | tuple) else ((t, None) if result.op == "min" else (None, t))
    worst = 0.0
    if lo is not None and v < lo:
        worst = max(worst, (lo - v) / (abs(lo) if lo != 0 else 1.0))
    if hi is not None and v > hi:
        worst = max(worst, (v - hi) / (abs(hi) if hi != 0 else 1.0))
    return worst


def worst_status(statuses: Iterable[str]) -> str:
    """The worst of some statuses (fail > warn > no_data > waived > pass, as the gate ranks them)."""
    return min(statuses, key=lambda s: STATUS_RANK.get(s, len(STATUS_RANK)), default="pass")


def result_json(result: CriterionResult) -> dict[str, Any]:
    """The documented per-result shape of ``relcheck chaos --format json``."""
    return {"scope": result.scope, "criterion": result.criterion, "metric": result.metric,
            "value": result.value, "status": result.status}


def first_break(results: Sequence[CriterionResult]) -> CriterionResult | None:
    """The criterion that breaks first for one stakeholder scope (its results in stakeholders-file order).

    The one behind the scope's worst status: among its fail results (else its warn results) the one with the
    largest normalised violation (:func:`violation`: the distance past the bound ÷ |bound|), ties going to the
    first in the stakeholders file; when nothing fails or warns, the first in file order whose metric has no
    data; None when every criterion passes (or is waived).
    """
    for status in ("fail", "warn"):
        broken = [r for r in results if r.status == status]
        if broken:
            return min(broken, key=lambda r: -(violation(r) or 0.0))  # min keeps the first of equals
    return next((r for r in results if r.status == "no_data"), None)


@dataclass(frozen=True)
class ScenarioResult:
    """One scenario run as a virtual candidate against the unperturbed release.

    ``gate`` is the full gate result (window, every scope's metrics in ``gate.scope_metrics``) for drill-down.
    """

    scenario: Scenario
    gate: GateResult

    @property
    def name(self) -> str:
        return self.scenario.name

    @property
    def verdict(self) -> str:
        return self.gate.verdict

    @property
    def results(self) -> tuple[CriterionResult, ...]:
        return self.gate.results

    @property
    def counts(self) -> dict[str, int]:
        return dict(self.gate.counts)

    def scopes(self) -> list[str]:
        """The stakeholder scopes judged, in the order their first result came."""
        return list(dict.fromkeys(r.scope for r in self.results))

    def of_scope(self, scope: str) -> list[CriterionResult]:
        return [r for r in self.results if r.scope == scope]

    def worst(self, scope: str) -> str:
        return worst_status(r.status for r in self.of_scope(scope))

    def breaks(self) -> list[CriterionResult]:
        """Per stakeholder scope that does not pass, the criterion that breaks first (:func:`first_break`)."""
        out = []
        for scope in self.scopes():
            b = first_break(self.of_scope(scope))
            if b is not None:
                out.append(b)
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "verdict": self.verdict,
            "results": [result_json(r) for r in self.results],
            "breaks": [{"scope": b.scope, "criterion": b.criterion, "metric": b.metric} for b in self.breaks()],
        }


@dataclass(frozen=True)
class ChaosResult:
    """Every scenario's verdict and criteria, and the robustness matrix scenario × stakeholder."""

    release: str
    scenarios: tuple[ScenarioResult, ...]

    def stakeholders(self) -> list[str]:
        """Every stakeholder scope any scenario judged (customers, deals, categories, regions, all)."""
        return list(dict.fromkeys(scope for s in self.scenarios for scope in s.scopes()))

    def matrix(self) -> list[dict[str, Any]]:
        """Long form: one row per scenario and stakeholder scope, its worst status and the metric that
        breaks first (None when every criterion passes)."""
        rows = []
        for s in self.scenarios:
            breaks = {b.scope: b for b in s.breaks()}
            for scope in self.stakeholders():
                b = breaks.get(scope)
                rows.append({
                    "scenario": s.name,
                    "scope": scope,
                    "status": s.worst(scope) if s.of_scope(scope) else None,
                    "criterion": b.criterion if b else None,
                    "metric": b.metric if b else None,
                })
        return rows

    def matrix_frame(self) -> pd.DataFrame:
        """The matrix as a table: one row per scenario, one column per stakeholder scope, worst status."""
        import pandas as pd

        cols = self.stakeholders()
        data = {
            s.name: {scope: (s.worst(scope) if s.of_scope(scope) else None) for scope in cols}
            for s in self.scenarios
        }
        return pd.DataFrame.from_dict(data, orient="index", columns=cols).rename_axis("scenario")

    def results_frame(self) -> pd.DataFrame:
        """Every criterion result of every scenario, long form (for downloads and drill-down)."""
        import pandas as pd

        rows = [{"scenario": s.name, **result_json(r), "severity": r.severity, "violation": violation(r)}
                for s in self.scenarios for r in s.results]
        cols = ["scenario", "scope", "criterion", "metric", "value", "status", "severity", "violation"]
        return pd.DataFrame(rows, columns=cols)

    def cell(self, scenario: str, scope: str) -> dict[str, Any] | None:
        """One row of :meth:`matrix` (scenario × stakeholder scope); None when that pair was not judged."""
        return next((r for r in self.matrix() if r["scenario"] == scenario and r["scope"] == scope), None)

    def verdicts(self) -> list[dict[str, Any]]:
        """One row per scenario: its name, the gate's verdict and the faults it applies."""
        return [{"scenario": s.name, "verdict": s.verdict, "faults": s.scenario.describe()} for s in self.scenarios]

    def by_name(self, name: str) -> ScenarioResult:
        """The result of the scenario with this name (KeyError when it did not run)."""
        for s in self.scenarios:
            if s.name == name:
                return s
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        return {
            "release": self.release,
            "scenarios": [s.to_json() for s in self.scenarios],
            "matrix": self.matrix(),
        }


def run_scenario(
    store: Store, release_id: str, scenario: Scenario, stakeholders: Stakeholders
) -> ScenarioResult:
    """One scenario as a virtual candidate against the unperturbed release, judged by the gate's criteria."""
    return ScenarioResult(scenario, judge(store, release_id, scenario_side(store, release_id, scenario), stakeholders))


def run_chaos(
    store: Store,
    release_id: str,
    scenarios: Sequence[Scenario],
    stakeholders: Stakeholders,
    progress: Progress | None = None,
) -> ChaosResult:
    """Run every scenario against the unperturbed release ``release_id``.

    Scenarios are checked against the release first (:func:`check_scenarios`), so a misspelt source or region
    is an error rather than a scenario that changes nothing. Gate runs of scenarios are never recorded.
    """
    check_scenarios(store, release_id, scenarios)
    out = []
    for i, s in enumerate(scenarios):
        if progress:
            progress(s.name, i, len(scenarios))
        out.append(run_scenario(store, release_id, s, stakeholders))
    if progress:
        progress("done", len(scenarios), len(scenarios))
    return ChaosResult(release_id, tuple(out))
