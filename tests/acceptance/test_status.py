"""The one status list: order worst first, colours, worst(), and JSON that reads as plain strings."""

from __future__ import annotations

import json

from dashboard.acceptance import status as statuses
from dashboard.acceptance.status import LEGEND_ORDER, STATUSES, WORST_FIRST, Status, worst


def test_statuses_serialise_as_their_plain_strings():
    assert json.dumps({Status.FAIL: Status.WAIVED}) == '{"fail": "waived"}'
    assert f"{Status.NO_DATA}" == "no_data"
    assert [str(s) for s in STATUSES] == ["pass", "fail", "warn", "waived", "no_data"]


def test_worst_first_order():
    assert [str(s) for s in WORST_FIRST] == ["fail", "warn", "no_data", "waived", "pass"]
    assert sorted(["pass", "waived", "fail", "no_data", "warn"], key=statuses.rank) == list(WORST_FIRST)
    assert statuses.rank("something else") == statuses.rank(None) == len(Status)


def test_worst_ignores_unknown_strings_and_is_none_when_empty():
    assert worst(["pass", "waived", "warn"]) == Status.WARN
    assert worst(["no_data", "pass"]) == "no_data"
    assert worst(["", "pass"]) == Status.PASS
    assert worst([]) is None


def test_broken_means_a_bound_is_broken():
    assert {s for s in Status if s.broken} == {Status.FAIL, Status.WARN}
    assert statuses.BROKEN == (Status.FAIL, Status.WARN)


def test_one_colour_per_status():
    assert set(statuses.COLORS) == {str(s) for s in Status}
    assert len(set(statuses.COLORS.values())) == len(Status)
    assert statuses.color("fail") == Status.FAIL.color == "#e03131"
    assert statuses.color("nonsense") is None
    assert statuses.color("nonsense", "#000") == "#000"
    assert set(LEGEND_ORDER) == set(Status)
