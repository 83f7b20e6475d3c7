"""Sign-offs (DESIGN section 7): a named person accepts a failed or warning criterion, with a reason.

The log is the store's ``logs/signoffs.jsonl``, append-only (:func:`dashboard.store.append_jsonl`: one
``flock``-ed, ``O_APPEND`` write, fsynced, per record). Nothing in it is rewritten or deleted: a revocation is a
new record pointing at the sign-off it revokes. Records::

    {"record": "signoff", "id": uuid, "at": UTC time, "by", "reason", "current", "candidate",
     "criterion", "scope", "expires": "YYYY-MM-DD" | null,           # expires: the last day it is valid
     "status", "metric", "value", "threshold", "severity"}           # the result as it was signed off
    {"record": "revocation", "id": uuid, "at", "by", "reason", "revokes": sign-off id}

A sign-off waives its (pair, criterion, scope) result while it is valid (no expiry, or ``today`` on or before
``expires``) and not revoked (:mod:`dashboard.acceptance.waivers`); the gate then shows the result as
``waived`` with its reason. This module only reads and appends the log: signing needs the gate result the
caller already has (:func:`dashboard.acceptance.service.sign_off` evaluates one when it has none).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from dashboard.acceptance.results import GateResult
from dashboard.acceptance.waivers import active_waiver, is_valid
from dashboard.engine.scopes import parse_scope
from dashboard.errors import NotFoundError, RelcheckError
from dashboard.store.catalog import Store, append_jsonl, read_jsonl, utc_now

__all__ = [
    "active_waiver", "canonical_scope", "check_request", "field_problems", "is_valid", "list_signoffs",
    "revoke_signoff", "sign_off",
]


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _as_date(value: dt.date | str | None, what: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise RelcheckError(f"{what} must be a date YYYY-MM-DD, got {value!r}") from None


def canonical_scope(scope: str) -> str:
    """A scope string as the gate writes it (``all`` or ``kind:value``), so a sign-off matches its result."""
    kind, value = parse_scope(scope)
    return "all" if kind == "all" else f"{kind}:{value}"


def field_problems(
    by: str | None, reason: str | None, expires: dt.date | None, today: dt.date | None = None
) -> dict[str, str]:
    """What is missing or wrong in a sign-off form, by field (``by``, ``reason``, ``expires``), in plain words.

    Why: the dashboard shows each problem beside its field and keeps what was typed; :func:`check_request`
    applies the same rules with the command line's wording.
    """
    problems: dict[str, str] = {}
    if not (by or "").strip():
        problems["by"] = "Enter your name: the log keeps who signed off."
    if not (reason or "").strip():
        problems["reason"] = "Enter a reason: why is this change acceptable? The log keeps it."
    today = today or _today()
    if expires is not None and expires < today:
        problems["expires"] = f"Pick today ({today.isoformat()}) or a later day: this date has passed."
    return problems


def check_request(
    store: Store,
    current: str,
    candidate: str,
    scope: str,
    by: str,
    reason: str,
    expires: dt.date | str | None,
    today: dt.date | None = None,
) -> tuple[str, str, dt.date | None, str]:
    """The checks a sign-off passes before any gate is looked at: a name, a reason, an expiry not past, a
    readable scope, both releases known. Returns the stripped name and reason, the expiry and the scope id."""
    by, reason = (by or "").strip(), (reason or "").strip()
    if not by:
        raise RelcheckError("a sign-off needs the name of the person signing (--by)")
    if not reason:
        raise RelcheckError("a sign-off needs a reason (--reason)")
    today = today or _today()
    exp = _as_date(expires, "expires")
    if exp is not None and exp < today:
        raise RelcheckError(f"expiry {exp.isoformat()} is already past (today is {today.isoformat()})")
    scope_id = canonical_scope(scope)
    store.release(current)
    store.release(candidate)
    return by, reason, exp, scope_id


def sign_off(
    store: Store,
    current: str,
    candidate: str,
    criterion: str,
    scope: str,
    by: str,
    reason: str,
    expires: dt.date | None,
    gate: GateResult,
    *,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Append a sign-off of one failing or warning result of ``gate`` (the gate on current → candidate).

    Refused (RelcheckError, nothing written): an empty name or reason; an expiry already past; an unknown
    release or criterion; a gate result of another pair; a scope the criterion is not judged on; a result
    that is not a fail or warn (a waived one may be signed again, e.g. to extend it).
    """
    by, reason, exp, scope_id = check_request(store, current, candidate, scope, by, reason, expires, today)
    if (gate.current, gate.candidate) != (current, candidate):
        raise RelcheckError(
            f"the gate result given is for {gate.current} → {gate.candidate}, not {current} → {candidate}"
        )
    if criterion not in gate.criteria:
        known = ", ".join(gate.criteria) or "(none)"
        raise NotFoundError(f"no criterion {criterion!r}; existing: {known}")
    result = gate.result(criterion, scope_id)
    if result is None:
        judged = [r.scope for r in gate.results if r.criterion == criterion]
        shown = ", ".join(judged[:20]) + (" …" if len(judged) > 20 else "") if judged else "(no scope)"
        raise RelcheckError(f"criterion {criterion!r} is not judged on scope {scope_id!r}; it is judged on: {shown}")
    if not result.outcome.broken:
        raise RelcheckError(
            f"criterion {criterion!r} on {scope_id} is {result.status} for {current} → {candidate}; "
            "only a fail or a warn can be signed off"
        )
    record = {
        "record": "signoff",
        "id": str(uuid.uuid4()),
        "at": utc_now(),
        "by": by,
        "reason": reason,
        "current": current,
        "candidate": candidate,
        "criterion": criterion,
        "scope": scope_id,
        "expires": exp.isoformat() if exp else None,
        "status": result.outcome,
        "metric": result.metric,
        "value": result.value,
        "threshold": result.threshold,
        "severity": result.severity,
    }
    append_jsonl(store.signoffs_path, record)
    return record


def revoke_signoff(store: Store, signoff_id: str, by: str, reason: str) -> dict[str, Any]:
    """Append a revocation of a sign-off (the sign-off itself stays in the log, untouched)."""
    by, reason = (by or "").strip(), (reason or "").strip()
    if not by or not reason:
        raise RelcheckError("a revocation needs a name (--by) and a reason (--reason)")
    records = read_jsonl(store.signoffs_path)
    if not any(r.get("record", "signoff") == "signoff" and r.get("id") == signoff_id for r in records):
        raise NotFoundError(f"no sign-off with id {signoff_id!r} in {store.signoffs_path}")
    record = {"record": "revocation", "id": str(uuid.uuid4()), "at": utc_now(), "by": by, "reason": reason,
              "revokes": signoff_id}
    append_jsonl(store.signoffs_path, record)
    return record


def list_signoffs(store: Store, current: str | None = None, candidate: str | None = None) -> list[dict[str, Any]]:
    """Sign-offs in log order, optionally of one pair; each with ``revoked`` (None or {by, at, reason, id})."""
    records = read_jsonl(store.signoffs_path)
    revoked = {
        r["revokes"]: {"id": r.get("id"), "by": r.get("by"), "at": r.get("at"), "reason": r.get("reason")}
        for r in records if r.get("record") == "revocation" and r.get("revokes")
    }
    out = []
    for r in records:
        if r.get("record", "signoff") != "signoff":
            continue
        if current is not None and r.get("current") != current:
            continue
        if candidate is not None and r.get("candidate") != candidate:
            continue
        out.append({**r, "revoked": revoked.get(r.get("id"))})
    return out
