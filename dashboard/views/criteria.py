"""Criteria & sign-off: the criteria, their results, signing off a failure, the audit log, report downloads."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard.acceptance import review, signoff
from dashboard.errors import RelcheckError
from dashboard.reports import evidence
from dashboard.stakeholders.model import as_dict
from dashboard.views import data, ui

SIGNED_OFF = "signed_off_message"

c = ui.ctx()
ui.page_header("Criteria & sign-off", c)
sh = c.require_stakeholders()

st.subheader("Acceptance criteria")
st.caption(f"From {ui.code(sh.source)}")
crit = pd.DataFrame(
    [
        {
            **{k: v for k, v in as_dict(x).items() if k not in ("where", "min", "max")},
            "where": json.dumps(as_dict(x)["where"]) if x.where else "",
            "op": x.op,
            "threshold": str(x.threshold),
        }
        for x in sh.criteria
    ]
)
ui.table(crit, "criteria")

c.require_pair()
gate = c.require_gate()
ui.verdict_banner(gate)

st.subheader("Results")
if not c.causes:
    st.caption(
        "Turn on *Attribute failures to causes* in the sidebar to name the source and component behind each failure."
    )
statuses = st.multiselect(
    "Show statuses",
    ["fail", "warn", "waived", "no_data", "pass"],
    default=["fail", "warn", "waived", "no_data"],
    key="crit_status",
    bind="query-params",
)
rows = [
    {
        "status": ui.status_text(r.status),
        "criterion": r.criterion,
        "scope": r.scope,
        "scope_name": r.scope_name,
        "metric": r.metric,
        "value": r.value,
        "op": r.op,
        "threshold": str(r.threshold),
        "severity": r.severity,
        "waived_by": r.waiver.by if r.waiver else "",
        "waiver_reason": r.waiver.reason if r.waiver else "",
        "waiver_expires": (r.waiver.expires or "") if r.waiver else "",
        "cause": r.cause.summary if r.cause else "",
    }
    for r in review.worst_first(gate.results)
    if r.status in statuses
]
ui.table(pd.DataFrame(rows), "gate_results")

# ------------------------------------------------------------------------------------------- sign-off
st.subheader("Sign off a failure")
if SIGNED_OFF in st.session_state:
    st.success(st.session_state.pop(SIGNED_OFF), icon=":material/task_alt:")
signable = review.signable(gate)
if not signable:
    st.caption("Nothing to sign off: no criterion fails or warns on this pair.")
else:
    labels = [f"{r.criterion} — {r.scope}" for r in signable]
    with st.form("signoff_form", clear_on_submit=True):
        target = st.selectbox(
            "Result",
            labels,
            key="so_target",
            help="A failing or warning result; a waived one may be signed again to extend it.",
        )
        by = st.text_input("Your name", key="so_by")
        reason = st.text_area(
            "Reason", key="so_reason", help="Why this change is acceptable: it is kept in the log."
        )
        has_expiry = st.checkbox("Expires", key="so_has_expiry")
        expires = st.date_input(
            "Last day the sign-off waives",
            value=dt.date.today() + dt.timedelta(days=30),
            min_value=dt.date.today(),
            key="so_expires",
        )
        submitted = st.form_submit_button("Sign off", type="primary")
    if submitted:
        r = signable[labels.index(target)]
        try:
            rec = signoff.sign_off(
                c.store,
                c.current,
                c.candidate,
                r.criterion,
                r.scope,
                by,
                reason,
                expires if has_expiry else None,
                gate,
            )
        except RelcheckError as exc:
            st.error(ui.md(exc))
        else:
            # Shown after the rerun that redraws the gate with the new waiver (st.rerun drops this run's output).
            st.session_state[SIGNED_OFF] = (
                f"Signed off by {ui.md(rec['by'])}: {ui.md(rec['criterion'])} on {ui.md(rec['scope'])} "
                "now shows as waived."
            )
            st.rerun()

st.subheader("Audit log")
with ui.section_guard():
    log = signoff.list_signoffs(c.store)
    cols = [
        "at",
        "by",
        "current",
        "candidate",
        "criterion",
        "scope",
        "status",
        "metric",
        "value",
        "reason",
        "expires",
        "revoked",
        "id",
    ]
    audit = pd.DataFrame(
        [
            {
                **r,
                "revoked": (
                    f"{r['revoked'].get('by')}: {r['revoked'].get('reason')}" if r.get("revoked") else ""
                ),
            }
            for r in log
        ],
        columns=cols,
    )
    st.caption("Append-only: every sign-off of every release pair, oldest first. Nothing is ever rewritten.")
    ui.table(audit, "signoff_log")

# -------------------------------------------------------------------------------------------- reports
st.subheader("Reports")
st.download_button(
    "Gate result (JSON)",
    data=json.dumps(gate.to_json(), indent=2, default=str).encode("utf-8"),
    file_name=f"gate_{c.current}_{c.candidate}.json",
    mime="application/json",
    key="dl_gate_json",
    on_click="ignore",
    icon=":material/download:",
)
scope_choice = st.selectbox(
    "Report scope", ["whole pair", c.scope] if c.scope != "all" else ["whole pair"], key="report_scope"
)
pack_key = (c.key, scope_choice, data.stamp(c.store.signoffs_path))
if st.button("Build evidence pack", key="report_build"):
    with tempfile.TemporaryDirectory() as tmp, st.spinner("Writing the report…"):
        try:
            paths = evidence.write_report(
                c.store,
                c.current,
                c.candidate,
                Path(tmp),
                sh,
                scope=None if scope_choice == "whole pair" else scope_choice,
                gate=gate,
            )
        except RelcheckError as exc:
            st.error(ui.md(exc))
        else:
            st.session_state["_report"] = (pack_key, {k: Path(p).read_bytes() for k, p in paths.items()})
built = st.session_state.get("_report")
if built and built[0] == pack_key:
    files = built[1]
    names = {
        "html": ("report.html", "text/html"),
        "markdown": ("summary.md", "text/markdown"),
        "json": ("gate.json", "application/json"),
    }
    cols = st.columns(len(files))
    for col, (kind, blob) in zip(cols, files.items(), strict=True):
        fname, mime = names.get(kind, (kind, "application/octet-stream"))
        col.download_button(
            f"Download {fname}",
            data=blob,
            file_name=f"{c.candidate}_{fname}",
            mime=mime,
            key=f"dl_report_{kind}",
            on_click="ignore",
            icon=":material/download:",
        )
