"""Deals: open sales deals ranked by risk; deals in trial stand out (a prospect is checking numbers now)."""

from __future__ import annotations

import streamlit as st

from dashboard.acceptance import review
from dashboard.views import data, joint_section, scope_view, ui

c = ui.ctx()
ui.page_header("Deals", c)
c.require_pair()
sh = c.require_stakeholders()
if not sh.deals:
    ui.stop_error(f"The stakeholders file {ui.code(sh.source)} lists no deals; add a `[[deals]]` entry.")

comp = ui.call(data.comparison, c.store, c.key, "deal")
gate, msg = c.gate()
statuses = review.scope_statuses(gate) if gate is not None else {}
df = ui.comparison_frame(review.deals_trials_first(comp.scopes, statuses, sh), statuses)
stage = {d.id: d.stage for d in sh.deals}
owner = {d.id: d.owner or "" for d in sh.deals}
if not df.empty:
    df.insert(1, "stage", [stage.get(s.partition(":")[2], "") for s in df["scope"]])
    df.insert(2, "owner", [owner.get(s.partition(":")[2], "") for s in df["scope"]])

watch = review.trials_at_risk(sh, statuses)
trials, broken = watch.trials, watch.broken
if trials:
    text = ui.md(f"{len(trials)} deal(s) in trial: {', '.join(d.prospect for d in trials)}.")
    if broken:
        st.error(
            text
            + ui.md(f" This release moves numbers a prospect is evaluating: {', '.join(d.prospect for d in broken)}."),
            icon=":material/science:",
        )
    else:
        st.info(
            text + " Their acceptance criteria hold." if gate is not None else text, icon=":material/science:"
        )

st.subheader("Deals, trials first")
st.caption(ui.SELECT_HINT)
cols = [
    "status",
    "stage",
    "scope_name",
    "owner",
    "level_change_pct",
    "weekly_growth_mae_pp",
    "daily_corr",
    "max_share_shift_pp",
    "delta",
    "places_current",
    "places_candidate",
    "scope",
]
metric_of = {} if gate is None else {s: review.focus_metric(gate.results, s) for s in df["scope"]}
ui.table(
    df[[x for x in cols if x in df.columns]],
    "deals_by_risk",
    {**ui.metric_columns(cols), **ui.NAME_COLUMNS},
    styles={"stage": ui.trial_style},
    on_row=ui.explain_row(metric_of=metric_of.get),
)

ids = [d.id for d in sh.deals]
focus = c.scope.partition(":")[2] if c.scope.startswith("deal:") else None
first = df["scope"].iloc[0].partition(":")[2] if not df.empty else ids[0]
did = ui.pick(
    "Deal", ids, "deal", default=focus or first,
    help="Default: the deal chosen as scope in the sidebar, else the first trial. Picking one here sets the "
    "sidebar scope too.",
    on_change=ui.follow_scope("deal"),
)
deal = sh.deal(did)
ui.shows_other_scope(c, f"deal:{did}")
st.subheader(
    ui.md(f"{deal.prospect} — {deal.stage}")
    + (" :violet-badge[:material/science: TRIAL]" if deal.stage == "trial" else "")
)
st.caption(
    ui.md(
        f"Owner: {deal.owner or '—'} · categories: {', '.join(deal.categories) or 'all'} · "
        f"regions: {', '.join(deal.regions) or 'all'} · brands: {', '.join(deal.brands) or 'all'}"
    )
)
scope_view.render(c, f"deal:{did}", "deal")
joint_section.top_segments(c, f"deal:{did}", "deal")
