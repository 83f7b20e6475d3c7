"""Chaos lab: upstream fault scenarios as virtual candidates, and the robustness matrix scenario × stakeholder."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.formatting import metric_value
from dashboard.paths import default_scenarios
from dashboard.views import data, ui

c = ui.ctx()
st.title("Chaos lab")
sh = c.require_stakeholders()

path = default_scenarios()
if not path.exists():
    ui.stop_error(
        f"No scenario file at {ui.code(path)}. Write one (see `sample_data/chaos.toml`) and point "
        "`RELCHECK_SCENARIOS` at it."
    )
scenarios = ui.call(data.scenarios, str(path), data.stamp(path))
if not scenarios:
    ui.stop_error(f"The scenario file {ui.code(path)} declares no scenario.")
st.caption(
    f"Scenarios from {ui.code(path.name)} perturb a release the way upstream faults do, without writing anything; "
    "each runs as a virtual candidate against the unperturbed release and is judged by every criterion."
)

release = ui.pick(
    "Release to perturb",
    c.ids,
    "chaos_release",
    default=c.current,
    help="Default: the current release chosen in the sidebar.",
)
names = [s.name for s in scenarios]
chosen = st.multiselect("Scenarios", names, default=names, key="chaos_scenarios", bind="query-params")
with st.expander("What each scenario does"):
    ui.table(
        pd.DataFrame(
            [{"scenario": s.name, "faults": s.describe(), "description": s.description} for s in scenarios]
        ),
        "chaos_scenarios",
    )

run_key = (release, tuple(chosen))
if st.button("Run scenarios", key="chaos_run", type="primary", disabled=not chosen):
    st.session_state["_chaos_ran"] = run_key
if st.session_state.get("_chaos_ran") != run_key:
    st.info(
        "Press **Run scenarios** to judge the release under each fault (it takes a few seconds per scenario)."
    )
    st.stop()

result = ui.call(data.chaos_run, c.store, c.key, release, str(path), data.stamp(path), tuple(chosen))
matrix = pd.DataFrame(result.matrix())
st.subheader("Robustness matrix")
st.caption("Worst status per scenario and stakeholder; the text is the metric that breaks first.")
if not matrix.empty:
    heat = matrix.rename(columns={"scope": "stakeholder"}).assign(
        status=lambda d: d["status"].fillna("no_data")
    )
    ui.vega(
        charts.status_heatmap(
            heat[["scenario", "stakeholder", "status", "metric"]],
            x="scenario",
            y="stakeholder",
            x_step=130,
            y_step=18,
        ),
        "chaos_matrix",
        stretch=True,
    )
    ui.table(matrix, "robustness_matrix")
verdicts = pd.DataFrame(result.verdicts(), columns=["scenario", "verdict", "faults"])
st.subheader("Verdict per scenario")
ui.table(verdicts, "chaos_verdicts")
st.subheader("Every criterion under every scenario")
ui.table(result.results_frame(), "chaos_results")

st.subheader("Drill into one cell")
st.caption("The stakeholder's daily series in the release as stored and under the scenario's faults.")
cell_scenario = st.selectbox("Scenario", list(chosen), key="chaos_cell_scenario", bind="query-params")
scopes = sorted(result.stakeholders())
if scopes:
    cell_scope = st.selectbox("Stakeholder", scopes, key="chaos_cell_scope", bind="query-params")
    cell_data = ui.call(
        data.chaos_series, c.store, c.key, release, str(path), data.stamp(path), cell_scenario, cell_scope
    )
    ui.plot(
        charts.daily_series_chart(
            cell_data.daily,
            f"{cell_scope}: daily visits, stored vs under “{cell_scenario}”",
            current_id=release,
            candidate_id="perturbed",
        ),
        "chaos_cell_series",
    )
    row = result.cell(cell_scenario, cell_scope)
    if row is not None:
        st.caption(
            f"Worst status: **{ui.md(row['status'])}**"
            + (f" · breaks first on {ui.code(row['metric'])} ({ui.md(row['criterion'])})" if row.get("metric") else "")
            + f" · level change {ui.md(metric_value('level_change_pct', cell_data.values.get('level_change_pct')))}"
        )
