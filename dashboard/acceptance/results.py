"""What the gate returns: one criterion's result on one scope, its waiver and cause, and the whole verdict.

Plain frozen dataclasses shared by the gate, the sign-off log, the gate log, reports and views; each has
``to_json`` giving the documented shape (statuses serialise as their plain strings).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from dashboard.acceptance.status import BROKEN, Status
from dashboard.attribution.joint import JointSegment
from dashboard.attribution.plain import Explanation
from dashboard.engine.scopes import ScopeDef
from dashboard.engine.session import Window

Verdict = Literal["pass", "fail"]


@dataclass(frozen=True)
class Waiver:
    """The active sign-off that turns a fail or warn into ``waived``."""

    by: str
    reason: str
    at: str
    expires: str | None
    id: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"by": self.by, "reason": self.reason, "at": self.at, "expires": self.expires}


@dataclass(frozen=True)
class Cause:
    """What caused a failing result: in plain words (``explanation``, README "Causes in plain words"), and the
    raw figures behind it.

    ``source*`` name the source with the largest |delta| (``source_abs_share``: its |delta| over the sum of
    every source's |delta|) as data; the words name a source only when it stands out. ``component*`` the
    component with the largest Shapley contribution to the failing metric when ablation runs exist.
    ``segment`` is the joint explanation's top segment, set only when Adtributor finds no explanatory set for
    the scope (and serialised only then).
    """

    scope_delta: float
    source: str | None = None
    source_current: float | None = None
    source_candidate: float | None = None
    source_delta: float | None = None
    source_abs_share: float | None = None
    component: str | None = None
    component_metric: str | None = None
    component_contribution: float | None = None
    component_method: str | None = None
    segment: JointSegment | None = None
    explanation: Explanation | None = None

    @property
    def summary(self) -> str:
        """The one sentence every surface shows: the explanation's text (the raw figures without one)."""
        if self.explanation is not None:
            return self.explanation.text
        parts = []
        if self.source is not None and self.source_delta is not None:
            share = f", {self.source_abs_share:.0%} of the movement" if self.source_abs_share is not None else ""
            parts.append(f"largest source move {self.source} {self.source_delta:+,.0f} visits{share}")
        if self.component is not None and self.component_contribution is not None:
            parts.append(f"component {self.component} {self.component_contribution:+.4g} on {self.component_metric}")
        if self.segment is not None:
            parts.append(f"segment {self.segment.label} {self.segment.delta:+,.0f} visits, "
                         f"{self.segment.share_of_movement:.0%} of the movement")
        return "; ".join(parts) if parts else "no source or component moved this scope"

    def to_json(self) -> dict[str, Any]:
        return {
            "summary": self.summary,
            "scope_delta": self.scope_delta,
            "source": self.source,
            "source_current": self.source_current,
            "source_candidate": self.source_candidate,
            "source_delta": self.source_delta,
            "source_abs_share": self.source_abs_share,
            "component": self.component,
            "component_metric": self.component_metric,
            "component_contribution": self.component_contribution,
            "component_method": self.component_method,
        } | ({"segment": self.segment.to_json()} if self.segment is not None else {}) | (
            {"explanation": self.explanation.to_json()} if self.explanation is not None else {})


def scope_causes_text(causes: list[Cause]) -> str:
    """One scope's causes as one sentence, for a scorecard row: every failing metric's components, then the
    places, segments, sources and onset the scope's causes share (said once)."""
    found = [c for c in causes if c is not None]
    if not found:
        return ""
    with_words = [c.explanation for c in found if c.explanation is not None]
    if not with_words:
        return "; ".join(dict.fromkeys(c.summary for c in found))
    first = with_words[0]
    components = tuple(dict.fromkeys(m for e in with_words for m in e.components))
    return Explanation(first.scope, components, first.places, first.segments, first.sources, first.onset).text


@dataclass(frozen=True)
class CriterionResult:
    """One criterion judged on one scope.

    ``outcome`` is the judgement before sign-offs (pass, fail, warn, no_data); ``status`` is what the
    scorecard shows (``waived`` when an active sign-off covers a fail or warn). ``note`` says why a result
    had no usable value or why it was failed without one (a block criterion without data fails).
    """

    criterion: str
    scope: str
    scope_name: str
    metric: str
    value: Any
    op: str
    threshold: float | list[float]
    severity: str
    status: Status
    outcome: Status
    waiver: Waiver | None = None
    cause: Cause | None = None
    note: str | None = None

    @property
    def scope_kind(self) -> str:
        return self.scope.partition(":")[0]

    def to_json(self) -> dict[str, Any]:
        return {
            "criterion": self.criterion,
            "scope": self.scope,
            "scope_name": self.scope_name,
            "metric": self.metric,
            "value": self.value,
            "op": self.op,
            "threshold": self.threshold,
            "severity": self.severity,
            "status": self.status,
            "waiver": self.waiver.to_json() if self.waiver else None,
            "cause": self.cause.to_json() if self.cause else None,
            "note": self.note,
        }


@dataclass(frozen=True)
class GateResult:
    """The gate's verdict on one release pair. ``to_json`` gives the documented shape, nothing more.

    Beside it, for reports and views: the comparison window, every evaluated scope's metrics
    (``scope_metrics``: scope string → metric name → value), the criteria names, when it ran, which
    stakeholders file judged it (and its checksum) and the gate-log record id when it was recorded.
    """

    current: str
    candidate: str
    verdict: Verdict
    counts: dict[str, int]
    results: tuple[CriterionResult, ...]
    window: Window | None = None
    scopes: tuple[ScopeDef, ...] = ()
    scope_metrics: dict[str, dict[str, Any]] = field(default_factory=dict)
    criteria: tuple[str, ...] = ()
    evaluated_at: str = ""
    today: str = ""
    stakeholders_source: str = ""
    stakeholders_checksum: str = ""
    run_id: str | None = None

    @property
    def passed(self) -> bool:
        return self.verdict == Status.PASS

    def of_scope(self, scope: str) -> list[CriterionResult]:
        return [r for r in self.results if r.scope == scope]

    def result(self, criterion: str, scope: str) -> CriterionResult | None:
        for r in self.results:
            if r.criterion == criterion and r.scope == scope:
                return r
        return None

    def with_status(self, *statuses: str) -> list[CriterionResult]:
        return [r for r in self.results if r.status in statuses]

    def scope_def(self, scope: str) -> ScopeDef | None:
        for d in self.scopes:
            if d.scope_id == scope:
                return d
        return None

    def worst_scopes(self, limit: int = 3) -> list[str]:
        """Scopes ordered worst first (most fails, then warns), only those with a fail or warn."""
        tally: dict[str, list[int]] = {}
        for r in self.results:
            if r.status in BROKEN:
                t = tally.setdefault(r.scope, [0, 0])
                t[0 if r.status == Status.FAIL else 1] += 1
        order = {d.scope_id: i for i, d in enumerate(self.scopes)}
        ranked = sorted(tally, key=lambda s: (-tally[s][0], -tally[s][1], order.get(s, 1 << 30), s))
        return ranked[:limit]

    def to_json(self) -> dict[str, Any]:
        return {
            "current": self.current,
            "candidate": self.candidate,
            "verdict": self.verdict,
            "counts": dict(self.counts),
            "results": [r.to_json() for r in self.results],
        }
