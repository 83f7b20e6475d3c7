"""One scope in depth, shared by the Customers, Categories, Deals and Explore pages.

Daily and weekly series of both releases overlaid, weekly growth side by side, brand shares, the source
waterfall and the places with the biggest deltas: all from :func:`dashboard.views.data.scope_detail`.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.acceptance import review
from dashboard.acceptance.status import worst
from dashboard.views import data, guarantee_section, ui

HEADLINE = ("visits_current", "visits_candidate", "level_change_pct", "weekly_growth_mae_pp")
SECOND = ("daily_corr", "rank_corr", "max_share_shift_pp", "growth_sign_agreement", "places_added", "places_dropped")


#: Series tables: visits as whole numbers with separators, growth signed (the CSV keeps every digit).
VISITS = {
    "current": st.column_config.NumberColumn("current (visits)", format="%,.0f"),
    "candidate": st.column_config.NumberColumn("candidate (visits)", format="%,.0f"),
    "delta": st.column_config.NumberColumn("visit change", format="%+,.0f"),
    "growth_current": st.column_config.NumberColumn("growth, current (%)", format="%+.2f"),
    "growth_candidate": st.column_config.NumberColumn("growth, candidate (%)", format="%+.2f"),
}
SHARES = {
    "share_current_pct": st.column_config.NumberColumn("share, current (%)", format="%.2f"),
    "share_candidate_pct": st.column_config.NumberColumn("share, candidate (%)", format="%.2f"),
}
PLACES = {
    "level_change_pct": st.column_config.NumberColumn("Level change (%)", format="%+.2f"),
    "status": st.column_config.TextColumn("in", help="both releases, added (candidate only), dropped (current only)"),
    "place_id": st.column_config.TextColumn("place id", width="small"),
}


def render(
    c: ui.Ctx, scope: str | data.Adhoc, prefix: str, own_brands: Sequence[str] = ()
) -> data.ScopeDetail:
    """Draw one scope's analysis; keys of its charts and downloads start with ``prefix``."""
    detail = ui.call(data.scope_detail, c.store, c.key, scope)
    v = detail.values
    name = detail.scope.name or detail.scope.scope_id
    st.caption(
        f"Common window {ui.md(detail.window['start'])} … "
        f"{ui.md(detail.window['end'])} · "
        f"places {v.get('places_current', 0):,} (current) / {v.get('places_candidate', 0):,} (candidate)"
    )
    if not v.get("places_current") and not v.get("places_candidate"):
        st.warning(
            f"The scope {ui.code(detail.scope.scope_id)} has no places in either release, so there is nothing to "
            "compare. Check its brands, categories, regions and place ids against the releases' places "
            "(the Explore page lists what exists)."
        )
        return detail
    st.markdown(f"**When:** {ui.md('; '.join(detail.summary))}")
    ui.metric_tiles(v, HEADLINE + SECOND)
    guarantee_section.usual_movement_table(c, scope, v, prefix)
    ci = v.get("level_change_ci95_pct")
    if isinstance(ci, list | tuple) and len(ci) == 2:
        st.caption(
            f"Level change 95 % interval under Poisson noise on raw visits: [{ci[0]:+.2f} %, {ci[1]:+.2f} %]"
        )
    _gate_rows(c, detail.scope.scope_id, prefix)

    cur, cand = c.current, c.candidate
    # The open tab is in the link (``?tab=Sources``), so a forwarded link opens the same view.
    series, growth, shares, sources, places = st.tabs(
        ["Series", "Weekly growth", "Brand shares", "Sources", "Places"], key="tab", bind="query-params"
    )
    with series:
        onset = detail.diverges_from  # a dashed line where candidate and current part (None: no line)
        ui.plot(
            charts.with_onset_marker(charts.daily_series_chart(detail.daily, f"Daily visits — {name}", cur, cand),
                                     onset),
            f"{prefix}_daily",
        )
        ui.plot(
            charts.with_onset_marker(
                charts.weekly_series_chart(detail.weekly, f"Weekly visits — {name}", cur, cand), onset
            ),
            f"{prefix}_weekly",
        )
        ui.table(detail.daily, f"{prefix}_daily_series", VISITS)
    with growth:
        ui.plot(
            charts.weekly_growth_chart(detail.weekly, f"Week-on-week growth — {name}", cur, cand),
            f"{prefix}_growth",
        )
        ui.table(detail.weekly, f"{prefix}_weekly_series", VISITS)
    with shares:
        ui.plot(
            charts.brand_share_chart(
                detail.shares, f"Brand shares — {name}", cur, cand, own_brands=own_brands
            ),
            f"{prefix}_shares",
        )
        if own_brands:
            st.caption("★ marks the customer's own brands; the others are its competitors.")
        ui.table(detail.shares, f"{prefix}_brand_shares", SHARES)
    with sources:
        ui.plot(
            charts.source_waterfall_chart(
                detail.sources, v.get("delta") or 0.0, f"Delta by upstream source — {name}"
            ),
            f"{prefix}_sources",
        )
        ui.table(
            pd.DataFrame(detail.sources, columns=["source", "current", "candidate", "delta"]),
            f"{prefix}_sources",
            VISITS,
        )
    with places:
        top = detail.places.head(25)  # the core lists the biggest absolute deltas first
        ui.plot(
            charts.delta_bar_chart(top, "name", "delta", f"Places with the biggest changes — {name}", "visit change"),
            f"{prefix}_places",
        )
        order = [c for c in detail.places.columns if c != "place_id"] + ["place_id"]
        ui.table(detail.places, f"{prefix}_places", PLACES, column_order=order)
    return detail


def _gate_rows(c: ui.Ctx, scope_id: str, prefix: str) -> None:
    """This scope's acceptance criteria results, when the gate can run."""
    if c.stakeholders is None or c.pair_error or scope_id.startswith("adhoc:"):  # Explore judges its own
        return
    gate, msg = c.gate()
    if gate is None:
        st.caption(f"Acceptance criteria: {ui.md(msg)}")
        return
    rows = [r for r in gate.results if r.scope == scope_id]
    if not rows:
        st.caption("No acceptance criterion applies to this scope.")
        return
    df = ui.result_frame(review.worst_first(rows), with_scope=False)
    with st.expander(
        f"Acceptance criteria on this scope: {ui.status_text(worst(r.status for r in rows))}",
        expanded=True,
    ):
        st.caption("Select a criterion, then follow its link to this scope's attribution on its metric.")
        ui.table(df, f"{prefix}_criteria", ui.RESULT_COLUMNS, on_row=ui.explain_row(metric_col="metric"))
