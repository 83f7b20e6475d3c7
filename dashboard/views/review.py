"""Release review (home): verdict, headline numbers, stakeholder scorecard, biggest movers, manifest diff."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.views import data, ui

c = ui.ctx()
ui.page_header("Release review", c)

# ------------------------------------------------------------------------------------------- manifest
cur_rel, cand_rel = c.release(c.current), c.release(c.candidate)
components = sorted(set(cur_rel.components) | set(cand_rel.components))
manifest = pd.DataFrame(
    {
        "component": components,
        f"current ({c.current})": [cur_rel.components.get(k) for k in components],
        f"candidate ({c.candidate})": [cand_rel.components.get(k) for k in components],
        "changed": [cur_rel.components.get(k) != cand_rel.components.get(k) for k in components],
    }
)
c.require_pair()

# -------------------------------------------------------------------------------------------- verdict
gate = None
if c.stakeholders is None:
    st.error(f"No verdict: the stakeholders file could not be read: {c.stakeholders_error}")
else:
    gate, msg = c.gate()
    if gate is None:
        st.info(f"No verdict yet: {msg}")
    else:
        ui.verdict_banner(gate, f" for {c.current} → {c.candidate}")

# ------------------------------------------------------------------------------------------- headline
overall = ui.call(data.comparison, c.store, c.key, "all")
st.subheader("Headline: all places")
st.caption(f"Common window {overall.window.start} … {overall.window.end} ({overall.window.days} days)")
allv = overall.scopes[0].values
ui.metric_tiles(allv, ("visits_current", "visits_candidate", "delta", "level_change_pct"))
ui.metric_tiles(allv, ("daily_corr", "weekly_growth_mae_pp", "places_added", "places_dropped"))

# ------------------------------------------------------------------------------------------ scorecard
st.subheader("Stakeholder scorecard")
if gate is not None:
    statuses = ui.gate_statuses(gate)
    rows = []
    for d in gate.scopes:
        res = gate.of_scope(d.scope_id)
        n = {s: sum(r.status == s for r in res) for s in charts.STATUS_ORDER}
        rows.append(
            {
                "status": ui.status_text(statuses.get(d.scope_id)),
                "kind": d.kind,
                "scope": d.scope_id,
                "name": d.name,
                **n,
                **({"causes": "; ".join(sorted({r.cause.summary for r in res if r.cause}))} if c.causes else {}),
            }
        )
    if not c.causes:
        st.caption("Turn on *Attribute failures to causes* in the sidebar to name what broke each stakeholder.")
    score = pd.DataFrame(rows)
    if not score.empty:
        score = score.iloc[
            sorted(
                range(len(score)), key=lambda i: ui.STATUS_RANK.get(statuses.get(score["scope"][i], ""), 9)
            )
        ]
    ui.table(score, "scorecard")
    heat = pd.DataFrame(
        [
            {"criterion": r.criterion, "stakeholder": r.scope, "status": r.status, "metric": r.metric}
            for r in gate.results
        ]
    )
    if not heat.empty:
        ui.vega(
            charts.status_heatmap(
                heat, "Criteria × stakeholders", x="stakeholder", y="criterion", cell_text=False
            ),
            "review_heatmap",
            stretch=True,
        )
else:
    st.caption("The scorecard needs the gate (see the message above).")

# --------------------------------------------------------------------------------------------- movers
st.subheader("Biggest movers")
frames = []
for by in ("customer", "deal", "category"):
    if by in ("customer", "deal") and c.stakeholders is None:
        continue
    comp, msg = ui.try_call(data.comparison, c.store, c.key, by)
    if comp is None:
        st.caption(f"{by}: {msg}")
        continue
    frames.append(ui.comparison_frame(comp))
movers = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
if not movers.empty:
    movers = movers.assign(_abs=pd.to_numeric(movers["level_change_pct"], errors="coerce").abs())
    movers = movers.sort_values("_abs", ascending=False).drop(columns="_abs").head(15)
    movers["label"] = movers["scope_type"] + ": " + movers["scope_name"].astype(str)
    ui.plot(
        charts.delta_bar_chart(
            movers, "label", "level_change_pct", "Largest level changes", "level change (%)"
        ),
        "review_movers",
    )
    cols = ["scope", "scope_name", "level_change_pct", "delta", "weekly_growth_mae_pp", "max_share_shift_pp"]
    ui.table(movers[cols], "biggest_movers", ui.metric_columns(cols))

# ------------------------------------------------------------------------------------------- manifest
st.subheader("Manifest diff: pipeline components")
changed = manifest[manifest["changed"]]["component"].tolist()
st.caption("Changed: " + (", ".join(changed) if changed else "none"))
ui.table(manifest, "manifest_diff")
