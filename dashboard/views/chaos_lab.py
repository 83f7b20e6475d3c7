"""Chaos lab: upstream fault scenarios as virtual candidates, the robustness matrix in fragility order, and
the fault-size sweep: how big a loss of one source each stakeholder survives."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import chaos_charts, charts
from dashboard.chaos import fragility
from dashboard.formatting import metric_value
from dashboard.metric_catalog import METRICS
from dashboard.paths import default_scenarios
from dashboard.views import chaos_data, data, ui

VIEWS = ("Scenarios", "Fault size sweep")
READINGS = {
    "breaks": "breaks",
    "breaks_at_smallest": "breaks even at the smallest fault (too tight?)",
    "never_breaks": "holds over the whole range (too loose to notice?)",
    "no_data": "cannot be judged (no data)",
}


def metric_name(metric: str | None) -> str | None:
    """The readable name of a metric (Level change), not its id."""
    return METRICS[metric].label if metric in METRICS else metric


c = ui.ctx()
st.title("Chaos lab")
sh = c.require_stakeholders()
release = ui.pick(
    "Release to perturb",
    c.ids,
    "chaos_release",
    default=c.current,
    help="Default: the current release chosen in the sidebar.",
)
view = st.radio(
    "Show",
    VIEWS,
    horizontal=True,
    key="chaos_view",
    bind="query-params",
    label_visibility="collapsed",
    help="Scenarios: the faults declared in the scenario file. Fault size sweep: how big a loss of one source "
    "each stakeholder survives.",
)


def scenarios_view() -> None:
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
        f"Scenarios from {ui.code(path.name)} perturb a release the way upstream faults do, without writing "
        "anything; each runs as a virtual candidate against the unperturbed release and is judged by every criterion."
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
        return

    result = ui.call(data.chaos_run, c.store, c.key, release, str(path), data.stamp(path), tuple(chosen))
    rows = result.matrix()
    matrix = pd.DataFrame(rows, columns=["scenario", "scope", "status", "criterion", "metric"])
    st.subheader("Robustness matrix")
    st.caption(
        "Worst status per stakeholder and scenario; the cell names the measure that breaks first. The most "
        "fragile stakeholders are at the top, the most harmful scenarios on the left."
    )
    if not matrix.empty:
        by_fragility = fragility.stakeholders_by_fragility(rows)
        shown = matrix.rename(columns={"scope": "stakeholder"}).assign(
            status=lambda d: d["status"].fillna("no_data"), metric=lambda d: d["metric"].map(metric_name)
        )
        ui.vega(
            chaos_charts.fragility_matrix(shown, by_fragility, fragility.scenarios_by_harm(rows)),
            "chaos_matrix",
        )
        rank = {s: i for i, s in enumerate(by_fragility)}
        ui.table(
            shown.sort_values("stakeholder", key=lambda col: col.map(rank), kind="stable"),
            "robustness_matrix",
        )
    verdicts = pd.DataFrame(result.verdicts(), columns=["scenario", "verdict", "faults"])
    st.subheader("Verdict per scenario")
    ui.table(verdicts, "chaos_verdicts")
    st.subheader("Every criterion under every scenario")
    ui.table(result.results_frame(), "chaos_results")

    st.subheader("Drill into one cell")
    st.caption("The stakeholder's daily series in the release as stored and under the scenario's faults.")
    cell_scenario = st.selectbox("Scenario", list(chosen), key="chaos_cell_scenario", bind="query-params")
    scopes = fragility.stakeholders_by_fragility(rows)  # the most fragile first, as in the matrix
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
            first = (
                f" · breaks first on {ui.md(metric_name(row['metric']))} ({ui.md(row['criterion'])})"
                if row.get("metric") else ""
            )
            st.caption(
                f"Worst status: **{ui.md(row['status'])}**{first} · level change "
                f"{ui.md(metric_value('level_change_pct', cell_data.values.get('level_change_pct')))}"
            )


def sweep_view() -> None:
    st.caption(
        "Scale one upstream source down step by step and find, for every stakeholder, the smallest loss at which "
        "one of its criteria stops holding (fails, warns, or can no longer be computed). Each probe is judged by "
        "the gate like a scenario; the search assumes a bigger loss never helps."
    )
    sources = ui.call(chaos_data.release_values, c.store, c.key, release, "source")
    regions = ui.call(chaos_data.release_values, c.store, c.key, release, "region")
    if not sources:
        ui.stop_error(f"The release {ui.code(release)} has no source to scale.")
    left, mid, right = st.columns([2, 2, 3])
    with left:
        source = ui.pick("Source that loses devices", sources, "chaos_source",
                         default=ui.call(chaos_data.largest_source, c.store, c.key, release),
                         help="Default: the source with the most visits in this release.")
    with mid:
        where = st.multiselect("Only in regions", regions, key="chaos_regions", bind="query-params",
                               placeholder="everywhere")
    with right:
        largest = st.slider("Largest loss to try", min_value=10, max_value=100, value=100, step=5, format="%d%%",
                            key="chaos_largest", bind="query-params",
                            help="The sweep runs from no loss to this share of the source's visits lost.")
    precision = st.select_slider("Precision", options=[0.5, 1.0, 2.0, 5.0], value=1.0, key="chaos_tol",
                                 bind="query-params", format_func=lambda v: f"±{v:g} point" + ("" if v == 1 else "s"),
                                 help="How close each breaking size is pinned down (finer takes longer).")
    run_key = (release, source, tuple(where), largest, precision)
    if st.button("Sweep the fault size", key="chaos_sweep", type="primary"):
        st.session_state["_chaos_swept"] = run_key
    if st.session_state.get("_chaos_swept") != run_key:
        st.info("Press **Sweep the fault size**: it judges every criterion at a handful of loss sizes "
                "(about half a minute on the sample).")
        return
    results, breaks = ui.call(
        chaos_data.sweep, c.store, c.key, release, source, tuple(where), largest / 100.0, precision / 100.0
    )
    place = f" in {', '.join(where)}" if where else ""
    st.subheader("When each stakeholder breaks")
    first = next((b for b in breaks if b.fault is not None), None)
    if first is not None:
        st.markdown(
            f"**{ui.md(first.scope)}** breaks first: at **{first.fault:.0%}** of {ui.md(source)}{ui.md(place)} "
            f"lost, on {ui.md(metric_name(first.metric))} ({ui.md(first.criterion)})."
        )
    else:
        st.success(f"No stakeholder breaks with up to {largest} % of {ui.md(source)}{ui.md(place)} lost.")
    frame = pd.DataFrame(
        [
            {
                "stakeholder": b.scope,
                "breaks at (share lost)": b.fault,
                "status": b.status,
                "metric": metric_name(b.metric),
                "criterion": b.criterion,
                "reading": READINGS.get(b.outcome, b.outcome),
                "criteria broken": f"{b.broken} of {b.criteria}",
                "outcome": b.outcome,
                "fault": b.fault,
            }
            for b in breaks
        ]
    )
    ui.plot(
        chaos_charts.break_size_chart(
            frame, f"Share of {source}{place} lost at which each stakeholder first breaks",
            f"share of {source} visits lost", range_end=largest / 100.0,
        ),
        "chaos_breaks",
    )
    ui.table(
        frame.drop(columns=["outcome", "fault"]),
        "chaos_break_sizes",
        column_config={"breaks at (share lost)": st.column_config.NumberColumn(format="percent")},
    )
    with st.expander("Every criterion, most fragile first"):
        ui.table(
            pd.DataFrame(
                [
                    {
                        "stakeholder": r.scope,
                        "criterion": r.criterion,
                        "metric": metric_name(r.metric),
                        "breaks at (share lost)": r.fault,
                        "status": r.status,
                        "reading": READINGS.get(r.outcome, r.outcome),
                    }
                    for r in results
                ]
            ),
            "chaos_sensitivity",
            column_config={"breaks at (share lost)": st.column_config.NumberColumn(format="percent")},
        )


if release is None:
    ui.stop_error("No release to perturb.")
if view == VIEWS[1]:
    sweep_view()
else:
    scenarios_view()
