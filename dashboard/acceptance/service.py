"""Run the gate and record it: the one place that reads the sign-off log, evaluates and writes the gate log.

The gate itself (:mod:`dashboard.acceptance.gate`) is pure; commands and pages come here so that a run
sees the sign-offs in force and leaves a trace of its verdict and the stakeholders file that produced it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from dashboard.acceptance import gate_log, signoff
from dashboard.acceptance.gate import evaluate_gate
from dashboard.acceptance.results import GateResult
from dashboard.engine.session import Side
from dashboard.paths import default_stakeholders
from dashboard.stakeholders import Stakeholders, load_stakeholders
from dashboard.store.catalog import Store


def run_gate(
    store: Store,
    current: str | Side,
    candidate: str | Side,
    stakeholders: Stakeholders,
    *,
    record: bool = True,
    today: dt.date | None = None,
    attribute: bool = True,
) -> GateResult:
    """The gate on current → candidate with the sign-offs in the store's log, recorded unless ``record=False``.

    The result carries the stakeholders file's checksum; a recorded run also its gate-log id. Virtual sides
    (chaos scenarios) are never recorded.
    """
    a = current.label if isinstance(current, Side) else current
    b = candidate.label if isinstance(candidate, Side) else candidate
    signoffs = signoff.list_signoffs(store, a, b)
    gate = evaluate_gate(store, current, candidate, stakeholders, signoffs=signoffs, today=today,
                         attribute=attribute)
    gate = replace(gate, stakeholders_checksum=gate_log.stakeholders_checksum(stakeholders))
    stored_pair = not isinstance(current, Side) and not isinstance(candidate, Side)
    if record and stored_pair:
        run = gate_log.record_gate_run(store, gate)
        gate = replace(gate, run_id=run["id"])
    return gate


def sign_off(
    store: Store,
    current: str,
    candidate: str,
    criterion: str,
    scope: str,
    by: str,
    reason: str,
    expires: dt.date | None,
    gate: GateResult | None = None,
    *,
    stakeholders: Stakeholders | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Sign off one failing or warning result; without ``gate``, the gate is evaluated first (not recorded)
    with ``stakeholders`` (default: $RELCHECK_STAKEHOLDERS or the sample's).

    The checks and the record are :func:`dashboard.acceptance.signoff.sign_off`'s.
    """
    if gate is None:
        if stakeholders is None:
            stakeholders = load_stakeholders(default_stakeholders())
        signoff.check_request(store, current, candidate, scope, by, reason, expires, today)
        stakeholders.criterion(criterion)  # unknown criterion: NotFoundError listing the known ones
        gate = run_gate(store, current, candidate, stakeholders, record=False, attribute=False, today=today)
    return signoff.sign_off(store, current, candidate, criterion, scope, by, reason, expires, gate, today=today)
