"""Release review (home): verdict, headline numbers, stakeholder scorecard, biggest movers, manifest diff."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.acceptance import review
from dashboard.views import data, guarantee_section, ui

HEAT_SELECT = "cell"


def _open_cell(heat: pd.DataFrame, cell: dict) -> ui.RowTarget:
    """A clicked heatmap cell: its stakeholder's attribution on the criterion's metric."""
    hit = heat[(heat["criterion"] == cell.get("criterion")) & (heat["stakeholder"] == cell.get("stakeholder"))]
    if hit.empty:
        return None
    row = hit.iloc[0]
    return ("attribution", str(row["scope"]), {"metric": str(row["metric"])})


c = ui.ctx()
ui.page_header("Release review", c)
if c.scope != "all":
    st.caption(
        f"This page reviews all places and every stakeholder; the sidebar scope ({ui.md(c.scope_name())}) "
        "applies on the Customers, Deals, Categories and Attribution pages."
    )

# ------------------------------------------------------------------------------------------- manifest
diff = review.manifest_diff(c.release(c.current), c.release(c.candidate))
manifest = pd.DataFrame(
    {
        "component": [d.component for d in diff],
        f"current ({c.current})": [d.current for d in diff],
        f"candidate ({c.candidate})": [d.candidate for d in diff],
        "changed": [d.changed for d in diff],
    }
)
c.require_pair()

# -------------------------------------------------------------------------------------------- verdict
gate = None
if c.stakeholders is None:
    st.error(f"No verdict: the stakeholders file could not be read: {ui.md(c.stakeholders_error)}")
else:
    gate, msg = c.gate()
    if gate is None:
        st.info(f"No verdict yet: {ui.md(msg)}")
    else:
        ui.verdict_banner(gate, f" for {c.current} → {c.candidate}")

# ------------------------------------------------------------------------------------------- headline
overall = ui.call(data.comparison, c.store, c.key, "all")
st.subheader("Headline: all places")
st.caption(ui.md(f"Common window {overall.window.start} … {overall.window.end} ({overall.window.days} days)"))
allv = overall.scopes[0].values
ui.metric_tiles(allv, ("visits_current", "visits_candidate", "delta", "level_change_pct"))
ui.metric_tiles(allv, ("daily_corr", "weekly_growth_mae_pp", "places_added", "places_dropped"))

# ------------------------------------------------------------------------------------------ scorecard
st.subheader("Stakeholder scorecard")
if gate is not None:
    rows = [
        {
            "status": ui.status_text(row.status),
            "kind": row.kind,
            "name": row.name,
            **row.counts,
            **({"causes": row.causes} if c.causes else {}),
            "scope": row.scope,
        }
        for row in review.scorecard(gate)
    ]
    if not c.causes:
        st.caption("Turn on *Attribute failures to causes* in the sidebar to name what broke each stakeholder.")
    st.caption(ui.SELECT_HINT)
    explain = ui.explain_row(metric_of=lambda scope: review.focus_metric(gate.results, scope))
    ui.table(
        pd.DataFrame(guarantee_section.mark_unusual(c, gate, rows)), "scorecard",
        {"scope": st.column_config.TextColumn("scope id", width="small"), "no_data": "no data"},
        on_row=explain,
    )
    heat = pd.DataFrame(
        [
            {"criterion": r.criterion, "stakeholder": r.scope_name or r.scope, "scope": r.scope,
             "status": r.status, "metric": r.metric}
            for r in gate.results
        ]
    )
    if not heat.empty:
        st.caption("Click a cell, then follow its link to that stakeholder's attribution on the criterion's metric.")
        ui.vega_select(
            charts.status_heatmap(
                heat, "Stakeholders × criteria", x="criterion", y="stakeholder", cell_text=False,
                y_step=16, select=HEAT_SELECT,
            ),
            "review_heatmap",
            HEAT_SELECT,
            lambda cell: _open_cell(heat, cell),
        )
else:
    st.caption("The scorecard needs the gate (see the message above).")

# --------------------------------------------------------------------------------------------- movers
st.subheader("Biggest movers")
scopes = []
for by in ("customer", "deal", "category"):
    if by in ("customer", "deal") and c.stakeholders is None:
        continue
    comp, msg = ui.try_call(data.comparison, c.store, c.key, by)
    if comp is None:
        st.caption(f"{by}: {ui.md(msg)}")
        continue
    scopes += comp.scopes
movers = ui.comparison_frame(review.biggest_movers(scopes))
if not movers.empty:
    movers["label"] = movers["scope_type"] + ": " + movers["scope_name"].astype(str)
    ui.plot(
        charts.delta_bar_chart(
            movers, "label", "level_change_pct", "Largest level changes", "level change (%)"
        ),
        "review_movers",
    )
    cols = ["scope_name", "level_change_pct", "delta", "weekly_growth_mae_pp", "max_share_shift_pp", "scope"]
    statuses_of = {} if gate is None else {s: review.focus_metric(gate.results, s) for s in movers["scope"]}
    st.caption(ui.SELECT_HINT)
    ui.table(
        movers[cols], "biggest_movers",
        {**ui.metric_columns(cols), "scope_name": "name", "scope": st.column_config.TextColumn("scope id", width="small")},
        on_row=ui.explain_row(metric_of=statuses_of.get),
    )

# ------------------------------------------------------------------------------------------- manifest
st.subheader("Manifest diff: pipeline components")
changed = review.changed_components(diff)
st.caption("Changed: " + ui.md(", ".join(changed) if changed else "none"))
ui.table(manifest, "manifest_diff")
