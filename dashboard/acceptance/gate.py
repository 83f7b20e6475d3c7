"""The release gate (DESIGN section 7): every criterion on every scope it applies to, with waivers and causes.

:func:`evaluate_gate` resolves the scopes the stakeholders' criteria apply to (customers and deals selected by
each criterion's ``where``, every category and region present in either release, ``all``), computes their
metrics in one :class:`~dashboard.comparison.PairSession`, judges each (criterion, scope) pair, applies active
sign-offs (:mod:`dashboard.signoff`) and attaches to each failing or warning result its top cause: the source
that moved the scope's visits most and, when ablation runs exist, the pipeline component that moved the metric
most. Every run is recorded in the store's gate log (:mod:`dashboard.history`) unless ``record=False``.

Statuses: ``pass``; ``fail`` (block severity) and ``warn`` (warn severity) when the bound is broken; ``waived``
when a fail or warn has an active sign-off; ``no_data`` when the metric cannot be computed (never a pass).
The verdict is ``fail`` when any ``fail`` remains, else ``pass``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from dashboard.attribution import core as attribution
from dashboard.engine import metrics
from dashboard.engine.scopes import ScopeDef, customer_scope, deal_scope, simple_scope
from dashboard.engine.session import PairSession, Side, Window, fetch_dicts
from dashboard.metric_catalog import finite_number
from dashboard.sql import files as queries
from dashboard.stakeholders.model import Criterion, Stakeholders
from dashboard.store.catalog import Release, Store, utc_now

STATUSES: tuple[str, ...] = ("pass", "fail", "warn", "waived", "no_data")
#: Worst first, for sorting scorecards and picking the scopes a report shows.
STATUS_RANK: dict[str, int] = {"fail": 0, "warn": 1, "no_data": 2, "waived": 3, "pass": 4}
BROKEN: tuple[str, ...] = ("fail", "warn")

Verdict = Literal["pass", "fail"]


# ---------------------------------------------------------------------------------------------------------
# Result types
# ---------------------------------------------------------------------------------------------------------


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
    """The top attribution of a failing scope: the source, and the component when ablation runs exist.

    ``source_abs_share`` is the source's |delta| over the sum of every source's |delta| in the scope, so a
    source that explains most of the movement reads near 1 even when other sources cancel out.
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

    @property
    def summary(self) -> str:
        parts = []
        if self.source is not None and self.source_delta is not None:
            share = f", {self.source_abs_share:.0%} of the movement" if self.source_abs_share is not None else ""
            parts.append(f"source {self.source} {self.source_delta:+,.0f} visits{share}")
        if self.component is not None and self.component_contribution is not None:
            how = f" ({self.component_method})" if self.component_method else ""
            parts.append(
                f"component {self.component} {self.component_contribution:+.4g} on {self.component_metric}{how}"
            )
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
        }


@dataclass(frozen=True)
class CriterionResult:
    """One criterion judged on one scope.

    ``outcome`` is the judgement before sign-offs (pass, fail, warn, no_data); ``status`` is what the
    scorecard shows (``waived`` when an active sign-off covers a fail or warn).
    """

    criterion: str
    scope: str
    scope_name: str
    metric: str
    value: Any
    op: str
    threshold: float | list[float]
    severity: str
    status: str
    outcome: str
    waiver: Waiver | None = None
    cause: Cause | None = None

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
        return self.verdict == "pass"

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
                t[0 if r.status == "fail" else 1] += 1
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


# ---------------------------------------------------------------------------------------------------------
# Which scopes a criterion applies to
# ---------------------------------------------------------------------------------------------------------


def criterion_scopes(
    criterion: Criterion, stakeholders: Stakeholders, categories: Iterable[str], regions: Iterable[str]
) -> list[ScopeDef]:
    """Every scope a criterion applies to: its stakeholders selected by ``where``, in file or name order."""
    kind = criterion.applies_to
    if kind == "customers":
        return [customer_scope(c) for c in stakeholders.customers if criterion.matches(c)]
    if kind == "deals":
        return [deal_scope(d) for d in stakeholders.deals if criterion.matches(d)]
    if kind == "categories":
        return [simple_scope("category", c) for c in sorted(set(categories)) if criterion.matches(c)]
    if kind == "regions":
        return [simple_scope("region", r) for r in sorted(set(regions)) if criterion.matches(r)]
    if kind == "all":
        return [simple_scope("all")] if criterion.matches("all") else []
    raise ValueError(f"unknown applies_to {kind!r}")


def applies_to_scope(criterion: Criterion, scope: ScopeDef, stakeholders: Stakeholders) -> bool:
    """Whether the gate would judge this criterion on this scope (categories and regions by name)."""
    kinds = {"customers": "customer", "deals": "deal", "categories": "category", "regions": "region", "all": "all"}
    if kinds[criterion.applies_to] != scope.kind:
        return False
    if scope.kind == "customer":
        return any(c.id == scope.value and criterion.matches(c) for c in stakeholders.customers)
    if scope.kind == "deal":
        return any(d.id == scope.value and criterion.matches(d) for d in stakeholders.deals)
    return criterion.matches(scope.value or "all")


def attribute_values(session: PairSession, attribute: str) -> list[str]:
    """Distinct values of a place attribute (category, region, ...) present in either release, sorted."""
    return session.values(attribute)


def _value(v: Any) -> Any:
    """A metric value fit for JSON: non-finite floats become None (they are no_data anyway)."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


# ---------------------------------------------------------------------------------------------------------
# Causes
# ---------------------------------------------------------------------------------------------------------


def source_deltas(session: PairSession, scope_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """Per prepared scope, visits per source in both releases and their delta, largest |delta| first.

    The sources' deltas sum exactly to the scope's delta (DESIGN section 6, "by source"); one query for all
    the scopes asked for, on the session's cursor.
    """
    if not scope_ids:
        return {}
    session.source_totals()
    rows = fetch_dicts(queries.run(session.cur, "gate_source_deltas", scope_ids=list(scope_ids)))
    out: dict[str, list[dict[str, Any]]] = {sid: [] for sid in scope_ids}
    for r in rows:
        out.setdefault(r["scope_id"], []).append({
            "source": r["source"], "current": float(r["current"]),
            "candidate": float(r["candidate"]), "delta": float(r["delta"]),
        })
    for items in out.values():
        items.sort(key=lambda x: (-abs(x["delta"]), str(x["source"])))
    return out


def _source_causes(session: PairSession, scope_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per scope, the source with the largest |delta| (ties: the first by name) and its share of Σ|delta|."""
    out: dict[str, dict[str, Any]] = {}
    for sid, items in source_deltas(session, scope_ids).items():
        if not items:
            continue
        total = sum(abs(x["delta"]) for x in items)
        out[sid] = {**items[0], "abs_share": abs(items[0]["delta"]) / total if total > 0 else None}
    return out


def _covers(rel: Release, window: Window) -> bool:
    return (rel.first_date is not None and rel.last_date is not None
            and rel.first_date <= window.start.isoformat() and rel.last_date >= window.end.isoformat())


def _metric_values(
    store: Store, current: str, other: str, defs: Sequence[ScopeDef], window: Window
) -> dict[str, dict[str, Any]]:
    """Every metric of the given scopes between the current release and another, over the pair's window."""
    with PairSession(store, current, other) as s:
        s.window = window
        s.prepare(list(defs))
        return {m.scope.scope_id: dict(m.values) for m in metrics.compute(s)}


def _component_causes(
    store: Store,
    current: str,
    candidate: str,
    window: Window,
    broken: dict[str, set[str]],
    defs: dict[str, ScopeDef],
    full: dict[str, dict[str, Any]],
) -> dict[tuple[str, str], dict[str, Any]]:
    """Per failing (scope, metric), the component with the largest |Shapley contribution|.

    The runs are found and combined by :mod:`dashboard.attribution` (``component_runs``,
    ``shapley_from_runs``: exact, paired or first-order, as the runs allow), the same way as
    ``attribution.by_component``; but each run is compared with the current release once for all the
    failing scopes (one session per run), not once per scope and metric.
    """
    players, runs = attribution.component_runs(store, current, candidate)
    runs = {k: rel for k, rel in runs.items() if _covers(rel, window)}
    if not players or not runs:
        return {}
    scope_defs = [defs[sid] for sid in sorted(broken)]
    values_by_set = {frozenset(): _metric_values(store, current, current, scope_defs, window)}
    for swapped, rel in runs.items():
        values_by_set[swapped] = _metric_values(store, current, rel.release_id, scope_defs, window)
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for sid, metric_names in broken.items():
        for metric in metric_names:
            v_full = finite_number(full.get(sid, {}).get(metric))
            v_empty = finite_number(values_by_set[frozenset()][sid].get(metric))
            if v_full is None or v_empty is None:
                continue
            v: dict[frozenset[str], float] = {frozenset(): v_empty, frozenset(players): v_full}
            for swapped in runs:
                value = finite_number(values_by_set[swapped][sid].get(metric))
                if value is not None:
                    v[swapped] = value
            method, phi, interaction = attribution.shapley_from_runs(players, v)
            if method == "none" or not phi:
                continue
            top = max(sorted(phi), key=lambda k: abs(phi[k]))
            out[(sid, metric)] = {"component": top, "contribution": phi[top], "method": method,
                                  "interaction": interaction}
    return out


def _causes(
    session: PairSession,
    store: Store,
    broken: dict[str, set[str]],
    defs: dict[str, ScopeDef],
    full: dict[str, dict[str, Any]],
) -> dict[tuple[str, str], Cause]:
    """Causes for the failing scopes only: the top source once per scope (one query for all of them), the
    top component per (scope, metric) when ablation runs exist between the two stored releases."""
    sources = _source_causes(session, sorted(broken))
    components: dict[tuple[str, str], dict[str, Any]] = {}
    if session.a.release is not None and session.b.release is not None:
        components = _component_causes(
            store, session.a.label, session.b.label, session.window, broken, defs, full
        )
    out: dict[tuple[str, str], Cause] = {}
    for sid, metric_names in broken.items():
        src = sources.get(sid)
        for metric in sorted(metric_names):
            comp = components.get((sid, metric))
            out[(sid, metric)] = Cause(
                scope_delta=float(full.get(sid, {}).get("delta") or 0.0),
                source=src["source"] if src else None,
                source_current=src["current"] if src else None,
                source_candidate=src["candidate"] if src else None,
                source_delta=src["delta"] if src else None,
                source_abs_share=src["abs_share"] if src else None,
                component=comp["component"] if comp else None,
                component_metric=metric if comp else None,
                component_contribution=comp["contribution"] if comp else None,
                component_method=comp["method"] if comp else None,
            )
    return out


# ---------------------------------------------------------------------------------------------------------
# The gate
# ---------------------------------------------------------------------------------------------------------


def evaluate_gate(
    store: Store,
    current: str | Side,
    candidate: str | Side,
    stakeholders: Stakeholders,
    record: bool = True,
    *,
    today: dt.date | None = None,
    attribute: bool = True,
) -> GateResult:
    """Judge every criterion on every scope it applies to, for the pair current → candidate.

    ``current`` and ``candidate`` are release ids (or :class:`~dashboard.comparison.Side` objects, e.g. a chaos
    scenario; those are never recorded). ``today`` (default: the UTC date) decides which sign-offs are still
    valid. ``attribute=False`` skips the causes (faster, for sweeps). Raises RelcheckError for an unknown
    release or a pair without common dates.
    """
    from dashboard.acceptance import (
        history,  # signoff imports this module
        signoff,
    )

    today = today or dt.datetime.now(dt.UTC).date()
    with PairSession(store, current, candidate) as session:
        a_label, b_label = session.a.label, session.b.label
        per_criterion: list[tuple[Criterion, list[ScopeDef]]] = []
        need_cat = any(c.applies_to == "categories" for c in stakeholders.criteria)
        need_reg = any(c.applies_to == "regions" for c in stakeholders.criteria)
        categories = attribute_values(session, "category") if need_cat else []
        regions = attribute_values(session, "region") if need_reg else []
        defs: dict[str, ScopeDef] = {}
        for crit in stakeholders.criteria:
            scopes = criterion_scopes(crit, stakeholders, categories, regions)
            per_criterion.append((crit, scopes))
            for d in scopes:
                defs.setdefault(d.scope_id, d)
        ordered = _ordered_defs(defs.values())
        computed: dict[str, metrics.ScopeMetrics] = {}
        if ordered:
            session.prepare(ordered)
            computed = {m.scope.scope_id: m for m in metrics.compute(session)}
        window = session.window

        signoffs = signoff.list_signoffs(store, a_label, b_label)
        drafts: list[dict[str, Any]] = []
        broken: dict[str, set[str]] = {}
        for crit, scopes in per_criterion:
            for d in scopes:
                value = _value(computed[d.scope_id].get(crit.metric))
                outcome = crit.evaluate(value)
                waiver = None
                status = outcome
                if outcome in BROKEN:
                    broken.setdefault(d.scope_id, set()).add(crit.metric)
                    rec = signoff.active_waiver(signoffs, a_label, b_label, crit.name, d.scope_id, today)
                    if rec is not None:
                        status = "waived"
                        waiver = Waiver(rec["by"], rec["reason"], rec["at"], rec.get("expires"), rec.get("id", ""))
                drafts.append({"crit": crit, "scope": d, "value": value, "outcome": outcome,
                               "status": status, "waiver": waiver})
        causes: dict[tuple[str, str], Cause] = {}
        if attribute and broken:
            full = {sid: m.values for sid, m in computed.items()}
            causes = _causes(session, store, broken, defs, full)

    results = tuple(
        CriterionResult(
            criterion=d["crit"].name,
            scope=d["scope"].scope_id,
            scope_name=d["scope"].name,
            metric=d["crit"].metric,
            value=d["value"],
            op=d["crit"].op,
            threshold=d["crit"].threshold,
            severity=d["crit"].severity,
            status=d["status"],
            outcome=d["outcome"],
            waiver=d["waiver"],
            cause=causes.get((d["scope"].scope_id, d["crit"].metric)) if d["outcome"] in BROKEN else None,
        )
        for d in drafts
    )
    counts = {s: 0 for s in STATUSES}
    for r in results:
        counts[r.status] += 1
    gate = GateResult(
        current=a_label,
        candidate=b_label,
        verdict="fail" if counts["fail"] else "pass",
        counts=counts,
        results=results,
        window=window,
        scopes=tuple(ordered),
        scope_metrics={sid: {k: _value(v) for k, v in m.values.items()} for sid, m in computed.items()},
        criteria=tuple(c.name for c in stakeholders.criteria),
        evaluated_at=utc_now(),
        today=today.isoformat(),
        stakeholders_source=stakeholders.source,
        stakeholders_checksum=history.stakeholders_checksum(stakeholders),
    )
    stored_pair = not isinstance(current, Side) and not isinstance(candidate, Side)
    if record and stored_pair:
        run = history.record_gate_run(store, gate)
        gate = replace(gate, run_id=run["id"])
    return gate


_KIND_ORDER = {"customer": 0, "deal": 1, "category": 2, "region": 3, "all": 4}


def _ordered_defs(defs: Iterable[ScopeDef]) -> list[ScopeDef]:
    """Customers, deals (file order), categories, regions (by name), all: the scorecard's order."""
    items = list(defs)
    first_seen = {d.scope_id: i for i, d in enumerate(items)}

    def key(d: ScopeDef) -> tuple[int, int, str]:
        by_name = d.kind in ("category", "region")
        return (_KIND_ORDER.get(d.kind, 9), 0 if by_name else first_seen[d.scope_id], d.value or "")

    return sorted(items, key=key)
