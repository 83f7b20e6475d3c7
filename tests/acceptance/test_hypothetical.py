"""What-if criteria for an ad-hoc scope (acceptance/hypothetical.py) on the tiny world of gate_world.py."""

from __future__ import annotations

import pytest
from gate_world import KEY_LEVEL, SHARES, stakeholders

from dashboard.acceptance.hypothetical import (
    bound_text,
    criteria_for,
    dropped_fields,
    evaluate_hypothetical,
    hypothetical_stakeholder,
    snippet,
    stakeholder_id,
)
from dashboard.errors import RelcheckError
from dashboard.stakeholders import Customer, Deal, parse_stakeholders
from dashboard.store.catalog import Store


@pytest.fixture(scope="module")
def store(gate_store_template) -> Store:
    return Store(gate_store_template)  # read only: the hypothetical check records nothing


def test_ids_from_free_text_names():
    assert stakeholder_id("Pacific Fitness / West") == "Pacific-Fitness---West"
    assert stakeholder_id("  ") == "my-scope"


def test_a_trial_deal_on_freshco_gets_the_trial_criterion_and_fails(store):
    deal = hypothetical_stakeholder("deal", "freshco trial", brands=["FreshCo"], stage="trial")
    check = evaluate_hypothetical(store, "r1", "r2", stakeholders(), deal)
    assert [c.name for c in check.criteria] == ["trial deals steady"]
    (r,) = check.results
    assert (r.scope, r.status, r.value) == ("deal:freshco-trial", "fail", pytest.approx(50.0))
    assert check.status == "fail" and check.verdict == "fail"
    assert check.values["places_current"] == 1


def test_the_stage_decides_which_criteria_apply(store):
    deal = hypothetical_stakeholder("deal", "x", brands=["FreshCo"], stage="negotiation")
    check = evaluate_hypothetical(store, "r1", "r2", stakeholders(), deal)
    assert check.results == () and check.status is None and check.verdict is None


def test_a_key_customer_gets_the_key_criteria_and_a_standard_one_does_not(store):
    sh = stakeholders()
    key = hypothetical_stakeholder("customer", "fc", brands=["FreshCo"], tier="key")
    std = hypothetical_stakeholder("customer", "fc", brands=["FreshCo"], tier="standard")
    assert [c.name for c in criteria_for(sh, key)] == [KEY_LEVEL, SHARES]
    assert [c.name for c in criteria_for(sh, std)] == [SHARES]
    got = {r.criterion: r.status for r in evaluate_hypothetical(store, "r1", "r2", sh, key).results}
    assert got == {KEY_LEVEL: "fail", SHARES: "pass"}  # +50 %; one brand, no share shift


def test_scopes_the_gate_would_refuse_are_refused(store):
    with pytest.raises(RelcheckError, match="brand or a place"):
        hypothetical_stakeholder("customer", "x", categories=["Fitness"])
    with pytest.raises(RelcheckError, match="stage"):
        hypothetical_stakeholder("deal", "x", brands=["FreshCo"], stage="won")
    nowhere = hypothetical_stakeholder("deal", "x", brands=["Nope"])
    with pytest.raises(RelcheckError, match="match no place"):
        evaluate_hypothetical(store, "r1", "r2", stakeholders(), nowhere)


def test_the_snippet_is_the_judged_entity():
    deal = hypothetical_stakeholder("deal", "Gyms West", categories=["Fitness"], regions=["W"], stage="closing")
    assert isinstance(deal, Deal)
    assert parse_stakeholders(snippet(deal)).deals == (deal,)
    customer = hypothetical_stakeholder("customer", "Gyms West", brands=["IronWorks"], categories=["Fitness"])
    assert isinstance(customer, Customer) and dropped_fields("customer", ["Fitness"]) == ["categories"]
    assert parse_stakeholders(snippet(customer)).customers == (customer,)


def test_bounds_read_in_words_with_units(store):
    deal = hypothetical_stakeholder("deal", "x", brands=["FreshCo"])
    (r,) = evaluate_hypothetical(store, "r1", "r2", stakeholders(), deal).results
    assert bound_text(r) == "between -3 and +3 %"
    key = hypothetical_stakeholder("customer", "x", brands=["FreshCo"], tier="key")
    shares = next(r for r in evaluate_hypothetical(store, "r1", "r2", stakeholders(), key).results
                  if r.criterion == SHARES)
    assert bound_text(shares) == "at most 2 pp"
