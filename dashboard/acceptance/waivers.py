"""Which sign-offs waive a result today: pure functions over sign-off records, no file access.

The gate takes the records as input (the service reads them from the sign-off log), so judging a pair
never reads or writes a log itself. A sign-off waives its (pair, criterion, scope) while it is valid (no
expiry, or ``today`` on or before ``expires``) and not revoked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from dashboard.acceptance.results import Waiver


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def is_valid(record: dict[str, Any], today: dt.date) -> bool:
    """Not revoked and not expired: ``expires`` is the last day the sign-off waives."""
    if record.get("revoked"):
        return False
    exp = record.get("expires")
    if not exp:
        return True
    try:
        return dt.date.fromisoformat(str(exp)) >= today
    except ValueError:
        return False  # an unreadable expiry waives nothing


def active_waiver(
    signoffs: Iterable[dict[str, Any]],
    current: str,
    candidate: str,
    criterion: str,
    scope: str,
    today: dt.date | None = None,
) -> dict[str, Any] | None:
    """The most recent valid sign-off of this result, or None.

    ``signoffs`` may be :func:`dashboard.acceptance.signoff.list_signoffs` output or raw log records
    (revocation records among them are honoured either way).
    """
    today = today or _today()
    records = list(signoffs)
    revoked_ids = {r.get("revokes") for r in records if r.get("record") == "revocation"}
    best = None
    for r in records:
        if r.get("record", "signoff") != "signoff" or r.get("id") in revoked_ids:
            continue
        if (r.get("current"), r.get("candidate"), r.get("criterion"), r.get("scope")) != (
            current, candidate, criterion, scope
        ):
            continue
        if not is_valid(r, today):
            continue
        if best is None or str(r.get("at", "")) >= str(best.get("at", "")):
            best = r
    return best


def as_waiver(record: dict[str, Any]) -> Waiver:
    """A sign-off record as the waiver a result shows."""
    return Waiver(record["by"], record["reason"], record["at"], record.get("expires"), record.get("id", ""))
