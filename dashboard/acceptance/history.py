"""Release history (DESIGN section 7): a scope's metric, and its criteria's statuses, across consecutive releases.

The recorded gate runs live in the gate log (:mod:`dashboard.acceptance.gate_log`); ``gate_history`` is
re-exported here because the history commands and pages read both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dashboard.acceptance.criteria import applies_to_scope
from dashboard.acceptance.gate_log import gate_history, verdict_timeline
from dashboard.engine.metrics import compare
from dashboard.engine.scopes import ATTRIBUTE_KINDS, ROW_KINDS, check_scope, resolve_scope
from dashboard.engine.session import PairSession
from dashboard.errors import RelcheckError
from dashboard.metric_catalog import METRIC_NAMES
from dashboard.stakeholders.model import Stakeholders
from dashboard.store.catalog import Release, Store, _instant

__all__ = ["gate_history", "metric_history", "verdict_timeline"]


def _chronological(store: Store, releases: Sequence[str] | None) -> list[Release]:
    if releases is None:
        rels = [r for r in store.releases() if r.kind == "release"]
    else:
        rels = [store.release(rid) for rid in dict.fromkeys(releases)]
    return sorted(rels, key=lambda r: (_instant(r.created_at), r.sequence))


def _values_in(store: Store, rels: Sequence[Release]) -> Any:
    """``values(kind)``: the values of a scope kind present in any of the releases (for check_scope)."""
    def values(kind: str) -> list[str]:
        found: set[str] = set()
        for prev, nxt in zip(rels, rels[1:], strict=False):
            try:
                with PairSession(store, prev.release_id, nxt.release_id) as session:
                    found.update(session.values(kind))
            except RelcheckError:
                continue  # a pair without common dates still names no value
        return sorted(found)

    return values


def metric_history(
    store: Store,
    scope: str,
    metric: str,
    stakeholders: Stakeholders | None,
    releases: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """A scope's metric for each consecutive pair of releases (kind "release", by created_at).

    ``releases`` restricts the series to those ids (still ordered by created_at). Each row: the pair, both
    creation times, the value, the window, and the status of every criterion on this metric that the gate
    judges on this scope; a pair without common dates gets value None and a note.
    """
    if metric not in METRIC_NAMES:
        raise RelcheckError(f"unknown metric {metric!r}; metrics: {', '.join(METRIC_NAMES)}")
    scope_def = resolve_scope(scope, stakeholders)
    criteria = [
        c for c in (stakeholders.criteria if stakeholders else ())
        if c.metric == metric and applies_to_scope(c, scope_def, stakeholders)  # type: ignore[arg-type]
    ]
    rels = _chronological(store, releases)
    if scope_def.kind in ATTRIBUTE_KINDS or scope_def.kind in ROW_KINDS:
        check_scope(scope_def, _values_in(store, rels))
    rows = []
    for prev, nxt in zip(rels, rels[1:], strict=False):
        row: dict[str, Any] = {
            "current": prev.release_id,
            "candidate": nxt.release_id,
            "current_created_at": prev.created_at,
            "candidate_created_at": nxt.created_at,
            "scope": scope_def.scope_id,
            "scope_name": scope_def.name,
            "metric": metric,
            "value": None,
            "window": None,
            "criteria": [],
            "note": None,
        }
        try:
            with PairSession(store, prev.release_id, nxt.release_id) as session:
                comparison = compare(session, [scope_def])
        except RelcheckError as exc:
            row["note"] = str(exc)
            rows.append(row)
            continue
        value = comparison.scopes[0].get(metric)
        row["value"] = value
        row["window"] = comparison.window.to_dict()
        row["criteria"] = [
            {"criterion": c.name, "op": c.op, "threshold": c.threshold, "severity": c.severity,
             "status": c.evaluate(value)}
            for c in criteria
        ]
        rows.append(row)
    return rows
