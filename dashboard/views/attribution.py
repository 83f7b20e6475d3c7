"""Attribution: why the sidebar's scope moved — by source, by effect, where it concentrates, components,
region × source. Words a product manager reads; the method names and raw runs sit in "Advanced" expanders."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.metric_catalog import METRICS, help_text
from dashboard.metric_catalog import label as metric_label
from dashboard.views import data, joint_section, ui

METHODS = {
    "exact_shapley": "exact: a rebuild exists for every combination of changed components",
    "paired": "estimated: each component swapped alone, from both releases",
    "first_order": "estimated: each component swapped alone into the current release",
    "none": "not enough rebuilds to split the change",
}
#: The method's own name (for the Advanced expander) and its one word for the chart title.
METHOD_NAMES = {"exact_shapley": "exact Shapley values", "paired": "paired Shapley estimate",
                "first_order": "first-order effects", "none": "none"}
METHOD_WORD = {"exact_shapley": "exact", "paired": "estimated", "first_order": "estimated"}

c = ui.ctx()
ui.page_header("Attribution", c, f"why {ui.md(c.scope_name())} moved (change the scope in the sidebar)")
c.require_pair()
if c.scope.startswith(("customer:", "deal:")):
    c.require_stakeholders()

metric_names = [m for m, info in METRICS.items() if info.judgeable]
pick_col, about_col = st.columns([1, 2])
with pick_col:
    metric = ui.pick(
        "Metric the components are judged on",
        metric_names,
        "metric",
        default="delta",
        help="The metric whose change the pipeline components section splits. A link from a failing criterion "
        "selects that criterion's metric.",
    )
with about_col:
    st.markdown(f"**{ui.md(metric_label(metric))}**")
    st.caption(ui.md(help_text(metric)))
att = ui.call(data.attribution, c.store, c.key, c.scope, metric)
st.caption(
    f"Common window {ui.md(att.window.start)} … {ui.md(att.window.end)} · visits {att.visits_current:,.0f} (current) → "
    f"{att.visits_candidate:,.0f} (candidate), change {att.total_delta:+,.0f} visits"
)

left, right = st.columns(2)
with left:
    ui.plot(
        charts.source_waterfall_chart(
            att.by_source.to_json(), att.by_source.total_delta, "Delta by upstream source"
        ),
        "attr_sources",
    )
with right:
    ui.plot(charts.effect_split_chart(att.by_effect, "Coverage churn against level change"), "attr_effect")
    e = att.by_effect
    st.caption(
        f"{e.places_added:,} places only in candidate, {e.places_dropped:,} only in current, "
        f"{e.places_common:,} in both."
    )
ui.table(pd.DataFrame(att.by_source.to_json()), "attribution_sources")

st.subheader("Where the change concentrates")
rc = att.root_causes
if rc.unexplained:
    st.warning("No small group of sources, regions, brands or categories explains this change: it is spread thin.")
if rc.ep_guarded:
    st.info("The scope's total did not change, so groups are ranked by how much movement they hold either way.")
causes = pd.DataFrame(
    [
        {
            "rank": i + 1,
            "by": " × ".join(s.dimensions),
            "what": s.label(),
            "delta": sum(el.delta for el in s.elements),
            "share_of_change": s.explanatory_power,
            "share_of_all_movement": s.abs_explanatory_power,
            "unexpectedness": s.surprise,
        }
        for i, s in enumerate(rc.sets)
    ],
    columns=["rank", "by", "what", "delta", "share_of_change", "share_of_all_movement", "unexpectedness"],
)
ui.table(
    causes,
    "root_causes",
    {
        "delta": st.column_config.NumberColumn("visit change", format="%+,.0f"),
        "share_of_change": st.column_config.NumberColumn(
            "share of the change", format="percent",
            help="This group's change over the scope's change (can pass 100 % when other groups move the other way)",
        ),
        "share_of_all_movement": st.column_config.NumberColumn(
            "share of all movement", format="percent",
            help="This group's change, ignoring its sign, over the sum of every group's change ignoring signs",
        ),
        "unexpectedness": st.column_config.NumberColumn(
            "unexpectedness", format="%.3f",
            help="How far this group's share of visits moved between the releases; 0 = moved with the rest",
        ),
    },
)

joint_section.draw(c, att.joint_explanation, att.total_delta)

st.subheader("Pipeline components")
comp = att.by_component
if comp.players and comp.contributions:
    ui.plot(
        charts.component_shapley_chart(
            comp.contributions,
            comp.interaction,
            f"Contribution to {metric_label(comp.metric)}",
            unit=METRICS[comp.metric].unit if comp.metric in METRICS else "",
            method=METHOD_WORD.get(comp.method),
        ),
        "attr_components",
    )
    st.caption(
        f"How much each changed component moved {ui.md(metric_label(comp.metric))}, from rebuilds of the "
        f"release with components swapped ({ui.md(METHODS.get(comp.method, comp.method))}). Components that "
        f"differ: {ui.md(', '.join(comp.players))}; the bars (with any interaction) add up to the metric's change."
    )
    with st.expander("Advanced: the rebuilds (ablation runs) behind the split"):
        st.caption(f"Method: {ui.md(METHOD_NAMES.get(comp.method, comp.method))} ({ui.code(comp.method)}).")
        ui.table(
            pd.DataFrame(
                [
                    {"release": r.release_id, "swapped": ", ".join(r.swapped) or "(none)", "value": r.value}
                    for r in comp.runs
                ]
            ),
            "component_runs",
        )
elif comp.players:
    st.info(
        f"Components that differ: {ui.md(', '.join(comp.players))}, but the store has no rebuilds that split "
        "the change between them (ingest one ablation run per component: the current release with that "
        "component at the candidate's version)."
    )
else:
    st.info("No pipeline component differs between these releases, or no rebuild (ablation run) exists for them.")
for note in comp.notes:
    st.caption(ui.md(note))

st.subheader("Region × source")
matrix = ui.call(data.region_source, c.store, c.key, c.scope)
if matrix.empty:
    st.info("No visits in this scope.")
else:
    ui.vega(
        charts.region_source_heatmap(matrix, "Delta by region and upstream source"),
        "attr_heatmap",
        stretch=True,
    )
    ui.table(matrix, "region_source")

st.subheader("Mix against rate (visits per place)")
mr = att.mix_rate
cols = st.columns(4)
cols[0].metric("Visits per place, current", f"{mr.value_current:,.1f}")
cols[1].metric("Visits per place, candidate", f"{mr.value_candidate:,.1f}")
cols[2].metric("Rate part", f"{mr.rate_part:+,.1f}", help="How much of the change in visits per place comes "
               "from brands' own visits per place moving (the same places counting differently)")
cols[3].metric("Mix part", f"{mr.mix_part:+,.1f}", help="How much comes from the brands' weight among the places "
               "moving (places opened, closed or relabelled)")
ui.table(
    pd.DataFrame([b.to_json() for b in mr.brands]),
    "mix_rate",
    {
        "w_current": st.column_config.NumberColumn("share of places, current", format="percent"),
        "w_candidate": st.column_config.NumberColumn("share of places, candidate", format="percent"),
        "r_current": st.column_config.NumberColumn("visits per place, current", format="%,.1f"),
        "r_candidate": st.column_config.NumberColumn("visits per place, candidate", format="%,.1f"),
        "rate_part": st.column_config.NumberColumn("rate part", format="%+,.1f"),
        "mix_part": st.column_config.NumberColumn("mix part", format="%+,.1f"),
    },
)
