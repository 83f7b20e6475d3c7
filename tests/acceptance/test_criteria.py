"""Criteria judging, pure: one criterion on one value, waivers, the scopes it applies to and their order."""

from __future__ import annotations

import math

from gate_world import KEY_LEVEL, SHARES, stakeholders

from dashboard.acceptance.criteria import applies_to_scope, criterion_scopes, judge, ordered_scopes
from dashboard.acceptance.status import Status
from dashboard.engine.scopes import simple_scope

SH = stakeholders()
LEVEL = SH.criterion(KEY_LEVEL)  # block, -5 … 5
SHARE = SH.criterion(SHARES)  # warn, max 2
FRESHCO = next(s for s in criterion_scopes(LEVEL, SH, [], []) if s.value == "freshco")
SIGNOFF = {"record": "signoff", "id": "s1", "at": "2026-02-02T00:00:00Z", "by": "Ann", "reason": "agreed",
           "expires": None}


def test_judge_pass_fail_warn_no_data():
    assert judge(LEVEL, FRESHCO, 1.0).status == Status.PASS
    assert judge(LEVEL, FRESHCO, 16.7).status == Status.FAIL
    assert judge(SHARE, FRESHCO, 9.5).status == Status.WARN
    r = judge(SHARE, FRESHCO, math.nan)  # warn: no_data stays no_data
    assert (r.status, r.outcome, r.value) == (Status.NO_DATA, Status.NO_DATA, None)
    assert r.note and "cannot be computed" in r.note


def test_a_block_criterion_without_data_fails():
    for value in (None, math.nan, math.inf, -math.inf):
        r = judge(LEVEL, FRESHCO, value)
        assert (r.status, r.outcome, r.value) == (Status.FAIL, Status.FAIL, None), value
        assert r.note and "fails unless signed off" in r.note
    assert "overflowed" in (judge(LEVEL, FRESHCO, math.inf).note or "")
    # A value the gate knows is untrustworthy (visits overflowed) is not judged even when it looks fine.
    r = judge(LEVEL, FRESHCO, 1.0, unavailable="visits overflowed")
    assert (r.status, r.value, r.note) == (Status.FAIL, None, "visits overflowed; a block criterion without "
                                           "data fails unless signed off")
    assert judge(SHARE, FRESHCO, 1.0, unavailable="visits overflowed").status == Status.NO_DATA


def test_a_block_criterion_on_a_scope_empty_in_one_release_fails():
    r = judge(LEVEL, FRESHCO, 1.0, empty_side="candidate")
    assert r.status == Status.FAIL and "no place in the candidate release" in (r.note or "")
    assert judge(SHARE, FRESHCO, 1.0, empty_side="candidate").status == Status.PASS  # warn: judged as is


def test_a_waiver_turns_only_a_broken_bound_into_waived():
    r = judge(LEVEL, FRESHCO, 16.7, SIGNOFF)
    assert (r.status, r.outcome) == (Status.WAIVED, Status.FAIL)
    assert r.waiver is not None and (r.waiver.by, r.waiver.reason, r.waiver.id) == ("Ann", "agreed", "s1")
    held = judge(LEVEL, FRESHCO, 1.0, SIGNOFF)
    assert (held.status, held.waiver) == (Status.PASS, None)
    assert judge(SHARE, FRESHCO, None, SIGNOFF).status == Status.NO_DATA
    # A block criterion without data fails, so a sign-off can waive it.
    assert judge(LEVEL, FRESHCO, None, SIGNOFF).status == Status.WAIVED


def test_result_carries_the_criterion_and_scope():
    r = judge(LEVEL, FRESHCO, 16.7)
    assert (r.criterion, r.scope, r.metric, r.op, r.severity) == (
        KEY_LEVEL, "customer:freshco", "level_change_pct", "between", "block")
    assert r.to_json()["status"] == "fail"


def test_scopes_follow_where_and_the_releases_values():
    assert [s.scope_id for s in criterion_scopes(LEVEL, SH, [], [])] == ["customer:freshco", "customer:beanthere"]
    cats = SH.criterion("categories keep their level")
    assert [s.value for s in criterion_scopes(cats, SH, ["b", "a", "b"], [])] == ["a", "b"]
    assert applies_to_scope(LEVEL, FRESHCO, SH)
    assert not applies_to_scope(LEVEL, simple_scope("category", "a"), SH)


def test_scorecard_order_customers_deals_then_by_name():
    defs = [simple_scope("all"), simple_scope("region", "W"), simple_scope("category", "b"),
            simple_scope("category", "a"), FRESHCO]
    assert [d.scope_id for d in ordered_scopes(defs)] == [
        "customer:freshco", "category:a", "category:b", "region:W", "all"]
