"""Gate commands: gate, signoff, signoffs, revoke-signoff, history, report."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from dashboard.cli.common import (
    echo,
    emit_json,
    engine_options,
    format_option,
    handle_errors,
    open_store,
    render_table,
    resolve_stakeholders,
    stakeholders_option,
    store_option,
)
from dashboard.errors import RelcheckError
from dashboard.stakeholders import Stakeholders, load_stakeholders

if TYPE_CHECKING:
    from dashboard.store.catalog import Store


def _pair(store: Store, current: str | None, candidate: str | None) -> tuple[str, str]:
    return store.pair(current, candidate)


def _stakeholders(path: Path | None) -> Stakeholders:
    return load_stakeholders(resolve_stakeholders(path))


def _pair_options(fn: Any) -> Any:
    fn = click.option("--candidate", default=None, help="Candidate release (default: newest other release).")(fn)
    return click.option("--current", default=None, help="Current release (default: the one in production).")(fn)


def _expiry(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise RelcheckError(f"--expires must be a date YYYY-MM-DD, got {value!r}") from None


def _brief(result: dict[str, Any]) -> str:
    if result.get("waiver"):
        w = result["waiver"]
        until = f" until {w['expires']}" if w.get("expires") else ""
        return f"signed off by {w['by']}{until}: {w['reason']}"
    parts = [result["note"]] if result.get("note") else []
    if result.get("cause"):
        parts.append(result["cause"]["summary"])
    return "; ".join(parts)


@click.command()
@_pair_options
@stakeholders_option
@format_option(["table", "json"])
@click.option("--no-record", is_flag=True, help="Do not record this run in the store's gate log.")
@store_option
@engine_options
@handle_errors
def gate(current: str | None, candidate: str | None, stakeholders: Path | None, fmt: str, no_record: bool,
         home: Path | None) -> None:
    """Judge every acceptance criterion on every scope it applies to.

    Exit code 0 when the verdict is pass, 1 when any criterion fails (and is not signed off),
    2 on a usage or data error. Every run is recorded in the store's gate log unless --no-record.
    """
    store = open_store(home)
    cur, cand = _pair(store, current, candidate)
    from dashboard.acceptance.service import run_gate
    from dashboard.acceptance.status import RANK as STATUS_RANK
    from dashboard.prefetch import prefetch

    prefetch("numpy", "scipy.special")  # needed after the scans; imported while they run
    result = run_gate(store, cur, cand, _stakeholders(stakeholders), record=not no_record)
    payload = result.to_json()
    if fmt == "json":
        emit_json(payload)
    else:
        rows = sorted(payload["results"], key=lambda r: (STATUS_RANK[r["status"]], r["scope"], r["criterion"]))
        for r in rows:
            r["note"] = _brief(r)
        echo(f"gate {cur} -> {cand}: {result.verdict.upper()}")
        echo("  ".join(f"{k} {v}" for k, v in payload["counts"].items()))
        echo("")
        echo(render_table(
            rows, ["status", "criterion", "scope", "metric", "value", "op", "threshold", "severity", "note"]
        ))
    sys.exit(0 if result.passed else 1)


@click.command()
@_pair_options
@click.option("--criterion", required=True, help="The criterion's name, as in the stakeholders file.")
@click.option("--scope", required=True, help="The scope string, e.g. customer:freshco, category:NAME, all.")
@click.option("--by", "by", required=True, help="Who signs off (a person's name).")
@click.option("--reason", required=True, help="Why the result is acceptable.")
@click.option("--expires", default=None, help="Last day the sign-off is valid (YYYY-MM-DD); default: never.")
@stakeholders_option
@format_option(["table", "json"])
@store_option
@handle_errors
def signoff(current: str | None, candidate: str | None, criterion: str, scope: str, by: str, reason: str,
            expires: str | None, stakeholders: Path | None, fmt: str, home: Path | None) -> None:
    """Sign off a failing or warning result of the gate (appended to the store's sign-off log)."""
    from dashboard.acceptance.service import sign_off

    store = open_store(home)
    cur, cand = _pair(store, current, candidate)
    record = sign_off(store, cur, cand, criterion, scope, by, reason, _expiry(expires),
                      stakeholders=_stakeholders(stakeholders))
    if fmt == "json":
        emit_json(record)
        return
    until = f" until {record['expires']}" if record["expires"] else " (no expiry)"
    echo(f"signed off {record['criterion']!r} on {record['scope']} for {cur} -> {cand} "
               f"by {record['by']}{until}; id {record['id']}")


@click.command("revoke-signoff")
@click.argument("signoff_id")
@click.option("--by", "by", required=True, help="Who revokes it.")
@click.option("--reason", required=True, help="Why.")
@store_option
@handle_errors
def revoke_signoff_cmd(signoff_id: str, by: str, reason: str, home: Path | None) -> None:
    """Revoke a sign-off by id (a new log record; the sign-off itself is kept)."""
    from dashboard.acceptance.signoff import revoke_signoff

    revoke_signoff(open_store(home), signoff_id, by, reason)
    echo(f"revoked sign-off {signoff_id}")


@click.command()
@click.option("--current", default=None, help="Only sign-offs of this current release.")
@click.option("--candidate", default=None, help="Only sign-offs of this candidate release.")
@format_option(["table", "json"])
@store_option
@handle_errors
def signoffs(current: str | None, candidate: str | None, fmt: str, home: Path | None) -> None:
    """List the sign-off log (every record, with whether it is active, expired or revoked)."""
    from dashboard.acceptance.signoff import is_valid, list_signoffs

    records = list_signoffs(open_store(home), current, candidate)
    today = dt.datetime.now(dt.UTC).date()
    for r in records:
        r["state"] = "revoked" if r.get("revoked") else ("active" if is_valid(r, today) else "expired")
    if fmt == "json":
        emit_json(records)
        return
    if not records:
        echo("no sign-offs")
        return
    echo(render_table(
        records, ["state", "at", "by", "current", "candidate", "criterion", "scope", "expires", "reason", "id"]
    ))


@click.command()
@click.option("--scope", default=None, help="Show this scope's metric across consecutive releases instead.")
@click.option("--metric", default=None, help="The metric for --scope (e.g. level_change_pct).")
@stakeholders_option
@format_option(["table", "json"])
@store_option
@handle_errors
def history(scope: str | None, metric: str | None, stakeholders: Path | None, fmt: str, home: Path | None) -> None:
    """The release history: every recorded gate run (or, with --scope and --metric, a metric over releases)."""
    from dashboard.acceptance.history import gate_history, metric_history

    store = open_store(home)
    if (scope is None) != (metric is None):
        raise RelcheckError("--scope and --metric go together")
    if scope is not None and metric is not None:
        rows = metric_history(store, scope, metric, _stakeholders(stakeholders))
        if fmt == "json":
            emit_json(rows)
            return
        for r in rows:
            r["statuses"] = " ".join(f"{c['criterion']}={c['status']}" for c in r["criteria"])
        echo(render_table(rows, ["current", "candidate", "scope", "metric", "value", "statuses", "note"]))
        return
    runs = gate_history(store)
    if fmt == "json":
        emit_json(runs)
        return
    if not runs:
        echo("no gate runs recorded; run `relcheck gate`")
        return
    for r in runs:
        c = r.get("counts", {})
        r["counts_"] = " ".join(f"{k}={c.get(k, 0)}" for k in ("pass", "fail", "warn", "waived", "no_data"))
        r["checksum"] = str(r.get("stakeholders_checksum", ""))[:19]
    echo(render_table(runs, ["at", "current", "candidate", "verdict", "counts_", "checksum"]))


@click.command()
@_pair_options
@click.option("--scope", default=None, help="Report on one scope (default: the whole pair, worst scopes charted).")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), help="Folder to write into.")
@stakeholders_option
@store_option
@engine_options
@handle_errors
def report(current: str | None, candidate: str | None, scope: str | None, out: Path,
           stakeholders: Path | None, home: Path | None) -> None:
    """Write the evidence pack: report.html (opens offline), summary.md and gate.json."""
    from dashboard.reports.evidence import write_report

    store = open_store(home)
    cur, cand = _pair(store, current, candidate)
    paths = write_report(store, cur, cand, out, _stakeholders(stakeholders), scope=scope)
    for kind, path in paths.items():
        echo(f"{kind}: {path}")
