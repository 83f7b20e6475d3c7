"""Customers: ranked by risk, then one customer in depth against its competitors."""

from __future__ import annotations

import streamlit as st

from dashboard.acceptance import review
from dashboard.views import data, joint_section, scope_view, ui

c = ui.ctx()
ui.page_header("Customers", c)
c.require_pair()
sh = c.require_stakeholders()
if not sh.customers:
    ui.stop_error(f"The stakeholders file {ui.code(sh.source)} lists no customers; add a `[[customers]]` entry.")

comp = ui.call(data.comparison, c.store, c.key, "customer")
gate, msg = c.gate()
statuses = review.scope_statuses(gate) if gate is not None else {}
if gate is None:
    st.caption(f"Gate statuses unavailable: {ui.md(msg)}")
df = ui.comparison_frame(review.risk_order(comp.scopes, statuses), statuses)
tiers = {x.id: x.tier for x in sh.customers}
df.insert(2, "tier", [tiers.get(s.partition(":")[2], "") for s in df["scope"]])

st.subheader("Ranked by risk")
st.caption(
    "Worst acceptance status first, then weekly growth error, then absolute level change. " + ui.SELECT_HINT
)
cols = [
    "status",
    "scope_name",
    "tier",
    "level_change_pct",
    "weekly_growth_mae_pp",
    "daily_corr",
    "max_share_shift_pp",
    "rank_corr",
    "delta",
    "places_added",
    "places_dropped",
    "scope",
]
metric_of = {} if gate is None else {s: review.focus_metric(gate.results, s) for s in df["scope"]}
ui.table(
    df[[x for x in cols if x in df.columns]],
    "customers_by_risk",
    {**ui.metric_columns(cols), **ui.NAME_COLUMNS},
    on_row=ui.explain_row(metric_of=metric_of.get),
)

ids = [x.id for x in sh.customers]
focus = c.scope.partition(":")[2] if c.scope.startswith("customer:") else None
riskiest = df["scope"].iloc[0].partition(":")[2] if not df.empty else ids[0]
cid = ui.pick(
    "Customer",
    ids,
    "customer",
    default=focus or riskiest,
    help="Default: the customer chosen as scope in the sidebar, else the riskiest. Picking one here sets "
    "the sidebar scope too.",
    on_change=ui.follow_scope("customer"),
)
customer = sh.customer(cid)
ui.shows_other_scope(c, f"customer:{cid}")
st.subheader(ui.md(f"{customer.name} ({customer.tier})"))
st.caption(
    ui.md(
        f"Own brands: {', '.join(customer.brands) or '—'} · competitors: {', '.join(customer.competitors) or '—'}"
        f" · regions: {', '.join(customer.regions) or 'all'}"
    )
)
scope_view.render(c, f"customer:{cid}", "customer", own_brands=customer.brands)
joint_section.top_segments(c, f"customer:{cid}", "customer")
