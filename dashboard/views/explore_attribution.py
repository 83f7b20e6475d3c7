"""Why an ad-hoc scope moved: the same attribution lenses as the Attribution page, for the Explore page's scope.

The Attribution page explains the sidebar's scope (a scope string); an Explore scope is not one, so this
section draws the core's :func:`dashboard.attribution.core.attribute` for it: which slices (region, category,
brand, source) explain the change, which pipeline components caused it (Shapley over ablation runs), and
the region × source split.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.attribution.results import Attribution
from dashboard.metric_catalog import METRICS
from dashboard.views import data, explore_data, ui

METHODS = {
    "exact_shapley": "every combination of the changed components was rebuilt",
    "paired": "estimated from one-component rebuilds from both ends",
    "first_order": "estimated from one-component rebuilds of the current release",
    "none": "not enough rebuilds",
}
COMPONENT_METRICS = ("level_change_pct", "delta", "weekly_growth_mae_pp", "daily_corr", "max_share_shift_pp",
                     "rank_corr")


def draw(c: ui.Ctx, scope: data.Adhoc) -> None:
    """The attribution section of the Explore page (errors show in place; the page goes on)."""
    st.subheader("Why it moved")
    metric = st.selectbox(
        "Measure to split between pipeline components",
        COMPONENT_METRICS,
        format_func=lambda m: METRICS[m].label,
        key="x_attr_metric",
        bind="query-params",
    )
    with ui.section_guard():
        att = ui.call(explore_data.attribution, c.store, c.key, scope, metric)
        causes, components, heat = st.tabs(["What explains it", "Pipeline components", "Region × source"])
        with causes:
            _causes(att)
        with components:
            _components(att)
        with heat:
            matrix = ui.call(explore_data.region_source, c.store, c.key, scope)
            if matrix.empty:
                st.info("No visits in this scope.")
            else:
                ui.vega(charts.region_source_heatmap(matrix, "Change in visits by region and upstream source"),
                        "explore_heatmap", stretch=True)
                ui.table(matrix, "explore_region_source")


def _causes(att: Attribution) -> None:
    rc = att.root_causes
    if rc.unexplained:
        st.info("No slice of any one dimension explains this change: it is spread thin over the scope.")
    rows = [
        {
            "slice": s.label(),
            "by": " × ".join(s.dimensions),
            "change (visits)": sum(el.delta for el in s.elements),
            "share of the movement": s.abs_explanatory_power,
        }
        for s in rc.sets
    ]
    ui.table(
        pd.DataFrame(rows, columns=["slice", "by", "change (visits)", "share of the movement"]),
        "explore_root_causes",
        column_config={
            "change (visits)": st.column_config.NumberColumn(format="%+,.0f"),
            "share of the movement": st.column_config.NumberColumn(format="percent"),
        },
    )
    st.caption(
        "The slices whose change stands out from the scope's overall change, best first; the share counts "
        "movement in either direction, so changes that cancel out still show."
    )


def _components(att: Attribution) -> None:
    comp = att.by_component
    label = METRICS[comp.metric].label if comp.metric in METRICS else comp.metric
    if comp.players and comp.contributions:
        how = METHODS.get(comp.method, comp.method)
        ui.plot(
            charts.component_shapley_chart(
                comp.contributions, comp.interaction, f"Contribution to {label}",
                unit=METRICS[comp.metric].unit if comp.metric in METRICS else "",
            ),
            "explore_components",
        )
        st.caption(f"How: {ui.md(how)}. Components that changed: {ui.md(', '.join(comp.players))}. "
                   "The bars (with any interaction) add up to the measure's change.")
    elif comp.players:
        st.info(
            f"Components that changed: {ui.md(', '.join(comp.players))}; the store has no rebuilds that can "
            "split the change between them."
        )
    else:
        st.info("No pipeline component differs between these releases, or no rebuild exists for them.")
