"""Criteria & sign-off: the criteria, their results, signing off a failure, the audit log, report downloads."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import formatting
from dashboard.acceptance import review, signoff
from dashboard.errors import RelcheckError
from dashboard.metric_catalog import label as metric_label
from dashboard.reports import evidence
from dashboard.stakeholders.model import Criterion, as_dict
from dashboard.views import data, ui

SIGNED_OFF = "signed_off_message"

SO_PROBLEMS = "_signoff_problems"
APPLIES = {"customers": "every customer", "deals": "every deal", "categories": "every category"}


def _applies(x: Criterion) -> str:
    """Where a criterion applies, in words: ``deals with stage trial``."""
    who = APPLIES.get(x.applies_to, x.applies_to)
    if not x.where:
        return who
    conds = " and ".join(
        f"{k} {'in ' + ', '.join(map(str, v)) if isinstance(v, list | tuple) else v}" for k, v in x.where.items()
    )
    return f"{who} with {conds}"


c = ui.ctx()
ui.page_header("Criteria & sign-off", c)
sh = c.require_stakeholders()

st.subheader("Acceptance criteria")
crit = pd.DataFrame(
    [
        {
            "criterion": x.name,
            "applies to": _applies(x),
            "measure": metric_label(x.metric),
            "bound": (f"within {x.threshold_noise:g} × the scope's noise floor" if x.noise_relative
                      else formatting.bound_text(x.metric, x.op, x.threshold)),
            "severity": "blocks the release" if x.severity == "block" else "warns",
        }
        for x in sh.criteria
    ],
    columns=["criterion", "applies to", "measure", "bound", "severity"],
)
ui.table(crit, "criteria")
with st.expander("Advanced: the stakeholders file and the criteria as written"):
    st.caption(f"From {ui.code(sh.source)}")
    ui.table(
        pd.DataFrame(
            [
                {
                    **{k: v for k, v in as_dict(x).items() if k not in ("where", "min", "max")},
                    "where": json.dumps(as_dict(x)["where"]) if x.where else "",
                    "op": x.op,
                    "threshold": str(x.threshold),
                }
                for x in sh.criteria
            ]
        ),
        "criteria_as_written",
    )

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
shown = [r for r in review.worst_first(gate.results) if r.status in statuses]
st.caption("Select a result, then follow its link to the stakeholder's attribution on the criterion's metric.")
ui.table(ui.result_frame(shown), "gate_results", ui.RESULT_COLUMNS, on_row=ui.explain_row(metric_col="metric"))

# ------------------------------------------------------------------------------------------- sign-off
st.subheader("Sign off a failure")
if SIGNED_OFF in st.session_state:
    st.success(st.session_state.pop(SIGNED_OFF), icon=":material/task_alt:")
in_view = c.scope if c.scope != "all" else None
signable = review.signable_in_view(gate, in_view)
if not signable:
    st.caption("Nothing to sign off: no criterion fails or warns on this pair.")
else:
    by_key = {f"{r.criterion}\x1f{r.scope}": r for r in signable}

    def _label(k: str) -> str:
        r = by_key[k]
        return (
            f"{str(r.status).upper()} · {r.scope_name or r.scope} · {r.criterion} · "
            f"{metric_label(r.metric)} {formatting.metric_value(r.metric, r.value)}"
        )

    def _problem(field: str) -> None:
        msg = st.session_state.get(SO_PROBLEMS, {}).get(field)
        if msg:
            st.error(ui.md(msg), icon=":material/error:")

    if in_view:
        st.caption(f"Results of {ui.md(c.scope_name(in_view))} (the sidebar scope) come first.")
    target = st.selectbox(
        "Result",
        list(by_key),
        key="so_target",
        format_func=_label,
        help="A failing or warning result; a waived one may be signed again to extend it.",
    )
    chosen = by_key[target] if target in by_key else signable[0]
    st.caption(
        f"{ui.md(chosen.scope_name or chosen.scope)}: {ui.md(metric_label(chosen.metric))} is "
        f"{ui.md(formatting.metric_value(chosen.metric, chosen.value))}, the criterion asks for "
        f"{ui.md(formatting.bound_text(chosen.metric, chosen.op, chosen.threshold))}."
    )
    st.text_input("Your name", key="so_by")
    _problem("by")
    st.text_area("Reason", key="so_reason", help="Why this change is acceptable: it is kept in the log.")
    _problem("reason")
    has_expiry = st.checkbox("Expires", key="so_has_expiry", help="Unticked: the sign-off never expires.")
    if has_expiry:
        st.date_input(
            "Last day the sign-off waives",
            value=dt.date.today() + dt.timedelta(days=30),
            min_value=dt.date.today(),
            key="so_expires",
        )
        _problem("expires")

    def _submit() -> None:
        state = st.session_state
        r = by_key.get(state.get("so_target")) or signable[0]
        expires = state.get("so_expires") if state.get("so_has_expiry") else None
        problems = signoff.field_problems(state.get("so_by"), state.get("so_reason"), expires)
        state[SO_PROBLEMS] = problems
        if problems:
            return
        try:
            rec = signoff.sign_off(
                c.store, c.current, c.candidate, r.criterion, r.scope, state.get("so_by") or "",
                state.get("so_reason") or "", expires, gate,
            )
        except RelcheckError as exc:
            state[SO_PROBLEMS] = {"submit": str(exc)}
            return
        state[SIGNED_OFF] = (
            f"Signed off by {ui.md(rec['by'])}: {ui.md(rec['criterion'])} on {ui.md(r.scope_name or rec['scope'])} "
            "now shows as waived."
        )
        for k in ("so_by", "so_reason"):
            state[k] = ""
        state["so_has_expiry"] = False

    st.button("Sign off", type="primary", key="so_submit", on_click=_submit)
    _problem("submit")

st.subheader("Audit log")
with ui.section_guard():
    log = signoff.list_signoffs(c.store)
    cols = ["at", "by", "stakeholder", "criterion", "status", "value", "reason", "expires", "revoked",
            "current", "candidate", "scope", "metric", "id"]
    audit = pd.DataFrame(
        [
            {
                **r,
                "at": str(r.get("at") or "")[:16].replace("T", " "),
                "stakeholder": r.get("scope"),
                "value": formatting.metric_value(str(r.get("metric") or ""), r.get("value")),
                "expires": r.get("expires") or "never",
                "revoked": (
                    f"{r['revoked'].get('by')}: {r['revoked'].get('reason')}" if r.get("revoked") else ""
                ),
            }
            for r in log
        ],
        columns=cols,
    )
    st.caption("Append-only: every sign-off of every release pair, oldest first. Nothing is ever rewritten.")
    ui.table(
        audit,
        "signoff_log",
        {
            "at": st.column_config.TextColumn("at (UTC)", width="medium"),
            "by": st.column_config.TextColumn("by", width="medium"),
            "reason": st.column_config.TextColumn("reason", width="large"),
            "scope": st.column_config.TextColumn("scope id", width="small"),
            "metric": st.column_config.TextColumn("metric id", width="small"),
            "id": st.column_config.TextColumn("id", width="small"),
        },
        column_order=["at", "by", "stakeholder", "criterion", "status", "value", "reason", "expires", "revoked",
                      "current", "candidate"],
    )

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
