"""Categories: every business category ranked by risk, small multiples of the movers, one category in depth."""

from __future__ import annotations

import streamlit as st

from dashboard import charts
from dashboard.acceptance import review
from dashboard.views import data, joint_section, scope_view, ui

c = ui.ctx()
ui.page_header("Categories", c)
c.require_pair()

comp = ui.call(data.comparison, c.store, c.key, "category")
gate, msg = c.gate()
statuses = review.scope_statuses(gate) if gate is not None else {}
df = ui.comparison_frame(review.risk_order(comp.scopes, statuses), statuses)
if df.empty:
    ui.stop_error("Neither release has places with a category.")

st.subheader("Ranked by risk")
st.caption(ui.SELECT_HINT)
cols = [
    "status",
    "scope_name",
    "level_change_pct",
    "weekly_growth_mae_pp",
    "daily_corr",
    "max_share_shift_pp",
    "rank_corr",
    "delta",
    "places_current",
    "places_candidate",
    "places_added",
    "places_dropped",
    "scope",
]
metric_of = {} if gate is None else {s: review.focus_metric(gate.results, s) for s in df["scope"]}
ui.table(
    df[[x for x in cols if x in df.columns]],
    "categories_by_risk",
    {**ui.metric_columns(cols), **ui.NAME_COLUMNS},
    on_row=ui.explain_row(metric_of=metric_of.get),
)

top = tuple(df["scope"].head(6))
st.subheader("Daily series of the riskiest categories")
multi = ui.call(data.daily_many, c.store, c.key, top)
ui.vega(
    charts.series_small_multiples(
        multi, "Daily visits, current vs candidate", "scope", c.current, c.candidate
    ),
    "categories_multiples",
)

names = [s.partition(":")[2] for s in df["scope"]]
focus = c.scope.partition(":")[2] if c.scope.startswith("category:") else None
name = ui.pick(
    "Category", sorted(names), "category", default=focus or names[0],
    help="Default: the category chosen as scope in the sidebar, else the riskiest. Picking one here sets the "
    "sidebar scope too.",
    on_change=ui.follow_scope("category"),
)
st.subheader(ui.md(name))
ui.shows_other_scope(c, f"category:{name}")
scope_view.render(c, f"category:{name}", "category")
joint_section.top_segments(c, f"category:{name}", "category")
