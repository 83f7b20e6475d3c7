"""Attribution: why the sidebar's scope moved — by source, by effect, root causes, components, region × source."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.metric_catalog import METRICS
from dashboard.metric_catalog import label as metric_label
from dashboard.views import data, joint_section, ui

METHODS = {
    "exact_shapley": "exact Shapley (every subset of components has a run)",
    "paired": "paired estimate (one-at-a-time runs from both ends)",
    "first_order": "first-order effects (current + one component runs)",
    "none": "not enough runs",
}

c = ui.ctx()
ui.page_header("Attribution", c, f"scope {ui.code(c.scope)} (pick it in the sidebar)")
c.require_pair()
if c.scope.startswith(("customer:", "deal:")):
    c.require_stakeholders()

metric_names = [m for m, info in METRICS.items() if info.judgeable]
metric = ui.pick(
    "Metric for the component attribution",
    metric_names,
    "metric",
    default="delta",
    help="Shapley values over the ablation runs split this metric's change between the pipeline components.",
)
att = ui.call(data.attribution, c.store, c.key, c.scope, metric)
st.caption(
    f"Common window {ui.md(att.window.start)} … {ui.md(att.window.end)} · visits {att.visits_current:,.0f} (current) → "
    f"{att.visits_candidate:,.0f} (candidate), delta {att.total_delta:+,.0f}"
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

st.subheader("Root causes (Adtributor)")
rc = att.root_causes
if rc.unexplained:
    st.warning("No set of elements of any dimension explains this delta: the change is spread thin.")
if rc.ep_guarded:
    st.info("The scope's total did not change, so the sets are built on absolute explanatory power.")
causes = pd.DataFrame(
    [
        {
            "rank": i + 1,
            "dimensions": " × ".join(s.dimensions),
            "elements": s.label(),
            "delta": sum(el.delta for el in s.elements),
            "explanatory_power": s.explanatory_power,
            "abs_explanatory_power": s.abs_explanatory_power,
            "surprise": s.surprise,
        }
        for i, s in enumerate(rc.sets)
    ],
    columns=[
        "rank",
        "dimensions",
        "elements",
        "delta",
        "explanatory_power",
        "abs_explanatory_power",
        "surprise",
    ],
)
ui.table(causes, "root_causes")
st.caption(
    "Signed explanatory power can mislead when changes cancel; absolute EP (|Δj| / Σ|Δj|) sits beside it."
)

joint_section.draw(c, att.joint_explanation, att.total_delta)

st.subheader("Pipeline components (Shapley)")
comp = att.by_component
if comp.players and comp.contributions:
    ui.plot(
        charts.component_shapley_chart(
            comp.contributions,
            comp.interaction,
            f"Contribution to {metric_label(comp.metric)}",
            unit=METRICS[comp.metric].unit if comp.metric in METRICS else "",
            method=METHODS.get(comp.method, comp.method),
        ),
        "attr_components",
    )
    st.caption(
        f"Method: **{ui.md(METHODS.get(comp.method, comp.method))}** · components that differ: "
        f"{ui.md(', '.join(comp.players))}"
        " · the bars (with any interaction) sum to the metric's change."
    )
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
        f"Components that differ: {ui.md(', '.join(comp.players))}, but the ablation runs in the store cannot split "
        "the change between them (ingest one run per component: the current release with that component at the "
        "candidate's version)."
    )
else:
    st.info("No pipeline component differs between these releases, or no ablation run exists for them.")
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
cols[2].metric("Rate part", f"{mr.rate_part:+,.1f}", help="Brands' own visits per place moved")
cols[3].metric("Mix part", f"{mr.mix_part:+,.1f}", help="The brands' weight among the places moved")
ui.table(pd.DataFrame([b.to_json() for b in mr.brands]), "mix_rate")
