"""Releases: every release in the store, manifests, coverage, promotions and the verdict history."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from dashboard import charts, formatting
from dashboard.acceptance import history
from dashboard.acceptance.status import worst
from dashboard.metric_catalog import METRICS, help_text
from dashboard.metric_catalog import label as metric_label
from dashboard.views import data, release_provenance, ui


def _when(value: object) -> str:
    """A logged UTC time to the minute (``2026-12-02 13:48``): the seconds and zone only add noise."""
    return str(value or "")[:16].replace("T", " ")


c = ui.ctx()
st.title("Releases")

try:
    current_id = c.store.current_id()
except Exception:  # noqa: BLE001 - an empty store never reaches this page
    current_id = None
rows = []
for r in c.releases:
    d = r.to_dict()
    rows.append(
        {
            "current": "★" if r.release_id == current_id else "",
            "release_id": r.release_id,
            "kind": r.kind,
            "base": r.base or "",
            "created_at": r.created_at,
            "description": r.description,
            "first_date": r.first_date,
            "last_date": r.last_date,
            "days": (pd.Timestamp(r.last_date) - pd.Timestamp(r.first_date)).days + 1
            if r.first_date
            else None,
            "places": r.places,
            "rows": r.rows,
            "sources": ", ".join(d["sources"]),
            "segments": ", ".join(d["segments"]),
            "raw_visits": r.has_raw_visits,
            "checksum": r.checksum,
            "ingested_at": r.ingested_at,
        }
    )
st.subheader("Releases and coverage")
st.caption(
    "★ marks the release in production. Every release passed validation at ingest. Ablation runs rebuild a "
    "release with one pipeline component swapped; they explain changes and are never shipped."
)
ui.table(
    pd.DataFrame(rows),
    "releases",
    {"places": st.column_config.NumberColumn("places", format="%,d"),
     "rows": st.column_config.NumberColumn("rows", format="%,d")},
    column_order=["current", "release_id", "kind", "description", "first_date", "last_date", "days", "places",
                  "sources", "segments", "created_at"],
)

st.subheader("Pipeline components per release")
comps = sorted({k for r in c.releases for k in r.components})
ui.table(
    pd.DataFrame(
        [
            {"release_id": r.release_id, "kind": r.kind, **{k: r.components.get(k) for k in comps}}
            for r in c.releases
        ]
    ),
    "components",
)

rid = ui.pick("Release", c.ids, "release", default=c.candidate)
release_provenance.draw(c.store, c.release(rid))
with st.expander("Advanced: the store, checksums and this release's manifest as stored"):
    st.caption(f"Store {ui.code(c.store.home)}")
    st.code(json.dumps(c.release(rid).to_dict(), indent=2), language="json")

st.subheader("Promotions")
promos = c.store.promotions()
if promos:
    promoted = pd.DataFrame(promos, columns=["at", "release_id", "by", "reason"])
    ui.table(promoted.assign(at=[_when(v) for v in promoted["at"]]), "promotions")
else:
    st.caption(
        f"No promotion yet: the first ingested release ({ui.md(current_id)}) is current. `relcheck promote ID` marks one."
    )

st.subheader("Verdict history")
with ui.section_guard():
    runs = history.gate_history(c.store)
    if not runs:
        st.caption(
            "No gate run recorded yet: `relcheck gate` records each verdict (the dashboard only reads them)."
        )
    else:
        hist = pd.DataFrame(
            [
                {
                    "at": r.get("at"),
                    "current": r.get("current"),
                    "candidate": r.get("candidate"),
                    "verdict": r.get("verdict"),
                    **{f"n_{k}": v for k, v in (r.get("counts") or {}).items()},
                    "stakeholders": r.get("stakeholders"),
                    "id": r.get("id"),
                }
                for r in runs
            ]
        )
        ui.vega(
            charts.verdict_history_chart(hist[["at", "current", "candidate", "verdict"]]),
            "verdict_history",
            stretch=True,
        )
        ui.table(
            hist.assign(at=[_when(v) for v in hist["at"]]),
            "verdict_history",
            column_order=[k for k in hist.columns if k not in ("stakeholders", "id")],
        )

st.subheader("A metric across consecutive releases")
st.caption(
    f"{ui.md(c.scope_name())} (change the scope in the sidebar); each bar compares one release with the next."
)
names = [m for m, info in METRICS.items() if info.judgeable]
metric = ui.pick("Metric", names, "history_metric", default="level_change_pct")
st.caption(f"**{ui.md(metric_label(metric))}**: {ui.md(help_text(metric))}")
with ui.section_guard():
    hist_rows = data.metric_history(c.store, c.key, c.scope, metric)
    frame = pd.DataFrame(
        [
            {
                "pair": f"{r['current']} → {r['candidate']}",
                "value": r["value"],
                "status": ui.status_text(worst(x["status"] for x in r["criteria"])),
                "criteria": "; ".join(f"{x['criterion']}: {x['status']}" for x in r["criteria"]),
                "note": r.get("note") or "",
            }
            for r in hist_rows
        ],
        columns=["pair", "value", "status", "criteria", "note"],
    )
    ui.plot(
        charts.metric_history_chart(frame, f"{metric_label(metric)} — {c.scope}", metric_label(metric)),
        "metric_history",
    )
    ui.table(frame, "metric_history", {"value": st.column_config.NumberColumn(
        metric_label(metric), format=formatting.column_format(metric))})
