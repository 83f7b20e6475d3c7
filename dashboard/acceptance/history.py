"""Release history (DESIGN section 7): every gate run, and a scope's metric across consecutive releases.

Gate runs are appended to the store's ``logs/gate_runs.jsonl`` (append-only, like sign-offs)::

    {"id": uuid, "at": UTC time, "current", "candidate", "verdict", "counts": {pass, fail, warn, waived,
     no_data}, "window": {"start", "end"}, "stakeholders": file name, "stakeholders_checksum": "sha256:…"}

The checksum is of the stakeholders file's bytes when it is a readable file, else of its parsed content
(``content-sha256:…``), so a verdict can be traced to the exact criteria that produced it.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dashboard.engine.metrics import compare
from dashboard.engine.scopes import resolve_scope
from dashboard.engine.session import PairSession
from dashboard.errors import RelcheckError
from dashboard.metric_catalog import METRIC_NAMES
from dashboard.stakeholders.model import Stakeholders, as_dict
from dashboard.store.catalog import Release, Store, append_jsonl, read_jsonl, utc_now

if TYPE_CHECKING:
    from dashboard.acceptance.gate import GateResult


def stakeholders_checksum(stakeholders: Stakeholders) -> str:
    """sha256 of the stakeholders file's bytes, or of its parsed content when it is not a file."""
    path = Path(stakeholders.source)
    try:
        if path.is_file():
            return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        pass
    content = {
        "customers": [as_dict(c) for c in stakeholders.customers],
        "deals": [as_dict(d) for d in stakeholders.deals],
        "criteria": [as_dict(c) for c in stakeholders.criteria],
    }
    text = json.dumps(content, sort_keys=True, ensure_ascii=False)
    return "content-sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def record_gate_run(store: Store, gate: GateResult) -> dict[str, Any]:
    """Append one gate run to the store's gate log and return the record."""
    record = {
        "id": str(uuid.uuid4()),
        "at": utc_now(),
        "current": gate.current,
        "candidate": gate.candidate,
        "verdict": gate.verdict,
        "counts": dict(gate.counts),
        "window": gate.window.to_dict() if gate.window else None,
        "stakeholders": gate.stakeholders_source,
        "stakeholders_checksum": gate.stakeholders_checksum,
    }
    append_jsonl(store.gate_runs_path, record)
    return record


def gate_history(store: Store, current: str | None = None, candidate: str | None = None) -> list[dict[str, Any]]:
    """Every recorded gate run, oldest first, optionally of one pair."""
    runs = read_jsonl(store.gate_runs_path)
    return [
        r for r in runs
        if (current is None or r.get("current") == current) and (candidate is None or r.get("candidate") == candidate)
    ]


def _chronological(store: Store, releases: Sequence[str] | None) -> list[Release]:
    from dashboard.store.catalog import _instant

    if releases is None:
        rels = [r for r in store.releases() if r.kind == "release"]
    else:
        rels = [store.release(rid) for rid in dict.fromkeys(releases)]
    return sorted(rels, key=lambda r: (_instant(r.created_at), r.sequence))


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
    from dashboard.acceptance.gate import applies_to_scope

    if metric not in METRIC_NAMES:
        raise RelcheckError(f"unknown metric {metric!r}; metrics: {', '.join(METRIC_NAMES)}")
    scope_def = resolve_scope(scope, stakeholders)
    criteria = [
        c for c in (stakeholders.criteria if stakeholders else ())
        if c.metric == metric and applies_to_scope(c, scope_def, stakeholders)  # type: ignore[arg-type]
    ]
    rels = _chronological(store, releases)
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


def verdict_timeline(store: Store) -> list[dict[str, Any]]:
    """The latest recorded verdict per (current, candidate) pair, in order of that latest run."""
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for r in gate_history(store):
        latest[(r.get("current"), r.get("candidate"))] = r
    return sorted(latest.values(), key=lambda r: str(r.get("at", "")))
