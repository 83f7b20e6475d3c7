"""What a release review shows, computed: scorecard and its order, status counts, risk order, trials, movers.

The dashboard's pages draw these results and do no ordering or counting of their own, so each rule (worst
status first, trials first, the riskiest customer on top) is written and tested once, here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from dashboard.acceptance import status as statuses
from dashboard.acceptance.results import CriterionResult, GateResult, scope_causes_text
from dashboard.acceptance.status import LEGEND_ORDER, Status, worst
from dashboard.engine.metrics import ScopeMetrics
from dashboard.metric_catalog import finite_number
from dashboard.stakeholders.model import Deal, Stakeholders
from dashboard.store.catalog import Release


# ------------------------------------------------------------------------------------------- statuses
def scope_statuses(gate: GateResult) -> dict[str, Status]:
    """The worst status per scope string, over every criterion judged on it."""
    per: dict[str, list[str]] = {}
    for r in gate.results:
        per.setdefault(r.scope, []).append(r.status)
    return {k: w for k, v in per.items() if (w := worst(v)) is not None}


def status_counts(results: Iterable[CriterionResult]) -> dict[str, int]:
    """How many results have each status, every status present (legend order: pass, warn, fail, ...)."""
    items = list(results)
    return {str(s): sum(r.status == s for r in items) for s in LEGEND_ORDER}


def worst_first(results: Iterable[CriterionResult]) -> list[CriterionResult]:
    """Results ordered worst status first; equal statuses keep the gate's order."""
    return sorted(results, key=lambda r: statuses.rank(r.status))


def signable(gate: GateResult) -> list[CriterionResult]:
    """The results a sign-off may cover (a fail or warn before sign-offs, waived ones too), worst first."""
    return worst_first(r for r in gate.results if Status(r.outcome).broken)


def signable_in_view(gate: GateResult, scope: str | None) -> list[CriterionResult]:
    """:func:`signable`, the results of the scope in view first (a reviewer signs what they are looking at)."""
    items = signable(gate)
    return [r for r in items if r.scope == scope] + [r for r in items if r.scope != scope]


def focus_metric(results: Iterable[CriterionResult], scope: str) -> str | None:
    """The metric to explain first on a scope: that of its worst criterion result (None when none judges it).

    Why: a click on a failing scope opens its attribution on the metric that failed, not on the visit delta.
    """
    ranked = worst_first(r for r in results if r.scope == scope)
    return ranked[0].metric if ranked else None


@dataclass(frozen=True)
class ScorecardRow:
    """One stakeholder scope on the scorecard: its worst status and how many criteria have each status."""

    status: Status | None
    kind: str
    scope: str
    name: str
    counts: dict[str, int]
    causes: str


def scorecard(gate: GateResult) -> list[ScorecardRow]:
    """Every judged scope, worst status first (ties in the gate's scope order), with its causes in plain words
    (one sentence per scope: :func:`~dashboard.acceptance.results.scope_causes_text`)."""
    worst_of = scope_statuses(gate)
    rows = []
    for d in gate.scopes:
        res = gate.of_scope(d.scope_id)
        rows.append(ScorecardRow(
            status=worst_of.get(d.scope_id),
            kind=d.kind,
            scope=d.scope_id,
            name=d.name,
            counts=status_counts(res),
            causes=scope_causes_text([r.cause for r in worst_first(res) if r.cause]),
        ))
    return sorted(rows, key=lambda row: statuses.rank(row.status))


# ----------------------------------------------------------------------------------------- risk order
def risk_order(scopes: Sequence[ScopeMetrics], scope_status: Mapping[str, str]) -> list[ScopeMetrics]:
    """Riskiest first: worst gate status, then largest weekly growth error, then largest |level change|.

    A scope without a status sorts after every status; a missing metric counts as 0.
    """
    def key(m: ScopeMetrics) -> tuple[int, float, float]:
        status = scope_status.get(m.scope.scope_id)
        mae = finite_number(m.get("weekly_growth_mae_pp")) or 0.0
        lvl = abs(finite_number(m.get("level_change_pct")) or 0.0)
        return (statuses.rank(status), -mae, -lvl)

    return sorted(scopes, key=key)


def deals_trials_first(
    scopes: Sequence[ScopeMetrics], scope_status: Mapping[str, str], stakeholders: Stakeholders
) -> list[ScopeMetrics]:
    """Deals in risk order, those in trial first (a prospect is evaluating their numbers right now)."""
    stage = {d.id: d.stage for d in stakeholders.deals}
    ordered = risk_order(scopes, scope_status)
    return sorted(ordered, key=lambda m: 0 if stage.get(m.scope.value or "") == "trial" else 1)


@dataclass(frozen=True)
class Trials:
    """Deals in trial, and those among them whose acceptance criteria fail or warn."""

    trials: tuple[Deal, ...]
    broken: tuple[Deal, ...]


def trials_at_risk(stakeholders: Stakeholders, scope_status: Mapping[str, str]) -> Trials:
    trials = tuple(d for d in stakeholders.deals if d.stage == "trial")
    broken = tuple(d for d in trials if scope_status.get(f"deal:{d.id}") in statuses.BROKEN)
    return Trials(trials, broken)


def biggest_movers(scopes: Iterable[ScopeMetrics], limit: int = 15) -> list[ScopeMetrics]:
    """The scopes with the largest |level change|, largest first; scopes without one come last."""
    items = list(scopes)
    present = [m for m in items if finite_number(m.get("level_change_pct")) is not None]
    missing = [m for m in items if finite_number(m.get("level_change_pct")) is None]
    present.sort(key=lambda m: -abs(finite_number(m.get("level_change_pct")) or 0.0))
    return (present + missing)[:limit]


# ----------------------------------------------------------------------------------------- manifest
@dataclass(frozen=True)
class ComponentChange:
    """One pipeline component's version in both releases."""

    component: str
    current: str | None
    candidate: str | None

    @property
    def changed(self) -> bool:
        return self.current != self.candidate


def manifest_diff(current: Release, candidate: Release) -> list[ComponentChange]:
    """Every pipeline component of either release, by name, with its version on both sides."""
    names = sorted(set(current.components) | set(candidate.components))
    return [ComponentChange(k, current.components.get(k), candidate.components.get(k)) for k in names]


def changed_components(diff: Iterable[ComponentChange]) -> list[str]:
    return [c.component for c in diff if c.changed]
