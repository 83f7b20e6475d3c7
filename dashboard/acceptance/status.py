"""The one list of acceptance statuses, with their order (worst first), their colour and :func:`worst`.

Every layer that shows or sorts a status (gate, views, charts, reports, CLI) reads it from here, so the
list, the ranking and the colours cannot drift apart. ``Status`` is a ``StrEnum``: a status serialises
as its plain string (``"pass"``), so JSON output is unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Status(StrEnum):
    """What the scorecard shows for one criterion on one scope. Definition order = the gate's counts order."""

    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    WAIVED = "waived"
    NO_DATA = "no_data"

    @property
    def rank(self) -> int:
        """0 for the worst (fail) … 4 for pass: sorts scorecards worst first."""
        return _RANK[self]

    @property
    def color(self) -> str:
        """The colour of this status in every chart, table cell and report."""
        return _COLORS[self]

    @property
    def broken(self) -> bool:
        """A bound is broken (fail or warn): what a sign-off can waive and a cause explains."""
        return self in (Status.FAIL, Status.WARN)


_RANK: dict[Status, int] = {Status.FAIL: 0, Status.WARN: 1, Status.NO_DATA: 2, Status.WAIVED: 3, Status.PASS: 4}
_COLORS: dict[Status, str] = {
    Status.PASS: "#2f9e44",
    Status.WARN: "#f08c00",
    Status.FAIL: "#e03131",
    Status.WAIVED: "#7950f2",
    Status.NO_DATA: "#868e96",
}

#: Every status, in the order the gate counts them (the JSON ``counts`` keys).
STATUSES: tuple[Status, ...] = tuple(Status)
#: Worst first.
WORST_FIRST: tuple[Status, ...] = tuple(sorted(Status, key=lambda s: s.rank))
#: The order legends and count columns read in: pass, then the degrees of trouble, then the rest.
LEGEND_ORDER: tuple[Status, ...] = (Status.PASS, Status.WARN, Status.FAIL, Status.WAIVED, Status.NO_DATA)
#: Status string → rank, for sorting plain strings (unknown strings sort after every status).
RANK: dict[str, int] = {str(s): s.rank for s in Status}
#: Status string → colour.
COLORS: dict[str, str] = {str(s): s.color for s in Status}
#: Statuses whose bound is broken.
BROKEN: tuple[Status, ...] = (Status.FAIL, Status.WARN)


def rank(status: str | None) -> int:
    """The rank of a status string (0 = worst); unknown or missing statuses sort last."""
    return RANK.get(str(status), len(RANK)) if status is not None else len(RANK)


def worst(statuses: Iterable[str]) -> Status | None:
    """The worst of some statuses, or None when there are none (unknown strings are ignored)."""
    known = [Status(s) for s in statuses if s in RANK]
    return min(known, key=lambda s: s.rank) if known else None


def color(status: str | None, default: str | None = None) -> str | None:
    """The colour of a status string; ``default`` for anything that is not a status."""
    return COLORS.get(str(status), default) if status is not None else default
