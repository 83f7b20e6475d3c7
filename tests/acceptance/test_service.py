"""The pure gate takes sign-offs as input and writes nothing; the service reads the log, runs and records."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from gate_world import EXPECTED, KEY_LEVEL, stakeholders, statuses

from dashboard.acceptance import service
from dashboard.acceptance.gate import evaluate_gate
from dashboard.acceptance.gate_log import gate_history, stakeholders_checksum
from dashboard.acceptance.signoff import list_signoffs
from dashboard.store.catalog import Store

TODAY = dt.date(2026, 3, 1)
SIGNOFF = {"record": "signoff", "id": "s1", "at": "2026-02-02T00:00:00Z", "by": "Ann", "reason": "agreed",
           "current": "r1", "candidate": "r2", "criterion": KEY_LEVEL, "scope": "customer:freshco",
           "expires": None}


@pytest.fixture
def store(gate_store: Store) -> Store:
    return gate_store


def files(store: Store) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in Path(store.home).rglob("*") if p.is_file()}


def test_pure_gate_waives_with_the_signoffs_it_is_given_and_writes_nothing(store: Store) -> None:
    before = files(store)
    plain = evaluate_gate(store, "r1", "r2", stakeholders(), today=TODAY, attribute=False)
    waived = evaluate_gate(store, "r1", "r2", stakeholders(), signoffs=[SIGNOFF], today=TODAY, attribute=False)
    assert files(store) == before
    assert statuses(plain) == EXPECTED
    assert statuses(waived) == {**EXPECTED, (KEY_LEVEL, "customer:freshco"): "waived"}
    assert waived.counts["waived"] == 1 and waived.counts["fail"] == plain.counts["fail"] - 1
    assert plain.run_id is None and plain.stakeholders_checksum == ""


def test_expired_or_revoked_signoffs_waive_nothing(store: Store) -> None:
    expired = {**SIGNOFF, "expires": "2026-02-28"}
    revoked = [SIGNOFF, {"record": "revocation", "id": "x", "revokes": "s1"}]
    for given in ([expired], revoked):
        g = evaluate_gate(store, "r1", "r2", stakeholders(), signoffs=given, today=TODAY, attribute=False)
        assert g.result(KEY_LEVEL, "customer:freshco").status == "fail"


def test_service_reads_the_signoff_log_and_records_provenance(store: Store) -> None:
    sh = stakeholders()
    rec = service.sign_off(store, "r1", "r2", KEY_LEVEL, "customer:freshco", "Ann", "agreed", None, stakeholders=sh)
    assert list_signoffs(store)[0]["id"] == rec["id"]
    assert gate_history(store) == []  # signing evaluates the gate but records no run
    g = service.run_gate(store, "r1", "r2", sh, attribute=False)
    assert g.result(KEY_LEVEL, "customer:freshco").status == "waived"
    assert g.stakeholders_checksum == stakeholders_checksum(sh)
    (run,) = gate_history(store)
    assert run["id"] == g.run_id and run["counts"] == g.counts


def test_service_does_not_record_when_asked_not_to(store: Store) -> None:
    g = service.run_gate(store, "r1", "r2", stakeholders(), record=False, attribute=False)
    assert g.run_id is None and gate_history(store) == []


def test_sign_off_takes_the_gate_result_it_is_given(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    g = service.run_gate(store, "r1", "r2", stakeholders(), record=False, attribute=False)

    def no_gate(*args: object, **kwargs: object) -> None:
        raise AssertionError("sign_off re-ran the gate")

    monkeypatch.setattr(service, "run_gate", no_gate)
    rec = service.sign_off(store, "r1", "r2", KEY_LEVEL, "customer:freshco", "Bo", "ok", None, g)
    assert (rec["status"], rec["by"]) == ("fail", "Bo")
