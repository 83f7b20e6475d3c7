"""The gate log (DESIGN section 7): every recorded gate run, append-only, with its provenance.

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
from pathlib import Path
from typing import Any

from dashboard.acceptance.results import GateResult
from dashboard.stakeholders.model import Stakeholders, as_dict
from dashboard.store.catalog import Store, append_jsonl, read_jsonl, utc_now


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


def verdict_timeline(store: Store) -> list[dict[str, Any]]:
    """The latest recorded verdict per (current, candidate) pair, in order of that latest run."""
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for r in gate_history(store):
        latest[(r.get("current"), r.get("candidate"))] = r
    return sorted(latest.values(), key=lambda r: str(r.get("at", "")))
