"""The joint explanation on the dashboard: a waterfall of the segments that together explain a scope's delta
(Attribution page) and the top segments of a scope (Customers, Categories, Deals, Explore).

Every name here (a brand, a category...) is user data: it goes into a dataframe cell or a chart label,
never into Markdown. Each segment links to its scope (``dimension:value``; a pair links to its first
dimension's scope) on the Attribution page, keeping the release pair.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.attribution.joint import JointExplanation
from dashboard.views import data, ui

#: The Attribution page's URL path (dashboard/app.py PAGES).
ATTRIBUTION_PATH = "attribution"
TOP = 5


def scope_link(c: ui.Ctx, scope: str) -> str:
    """The Attribution page on ``scope`` for the sidebar's release pair (a relative link)."""
    return f"{ATTRIBUTION_PATH}?" + urlencode({"current": c.current, "candidate": c.candidate, "scope": scope})


def segments_frame(c: ui.Ctx, joint: JointExplanation, limit: int | None = None) -> pd.DataFrame:
    """One row per segment (rank, segment, delta, share of movement, its scope and link)."""
    rows = [
        {"rank": i + 1, "segment": s.label, "delta": s.delta, "share_of_movement": s.share_of_movement,
         "scope": s.scope, "open": scope_link(c, s.scope)}
        for i, s in enumerate(joint.segments[:limit])
    ]
    return pd.DataFrame(rows, columns=["rank", "segment", "delta", "share_of_movement", "scope", "open"])


def _config() -> dict[str, Any]:
    return {
        "share_of_movement": st.column_config.ProgressColumn(
            "share of movement", min_value=0.0, max_value=1.0, format="percent",
            help="Σ|Δ| of the segment's cells over the scope's Σ|Δ|: changes that cancel still count",
        ),
        "open": st.column_config.LinkColumn("open", display_text="open scope",
                                            help="The Attribution page on this segment's scope"),
    }


def draw(c: ui.Ctx, joint: JointExplanation, total_delta: float, key: str = "joint") -> None:
    """The Attribution page's section: waterfall (segments, then unexplained) and the linked table."""
    st.subheader("Joint explanation")
    st.caption(
        "A few segments that together explain the delta, chosen by the absolute movement they explain, so "
        "changes that cancel are found; each cell is counted once, so segments + unexplained = the delta."
    )
    ui.plot(charts.joint_waterfall_chart(joint, total_delta, "Delta by segment (joint explanation)"), key)
    frame = segments_frame(c, joint)
    extra = pd.DataFrame([{"rank": None, "segment": charts.JOINT_UNEXPLAINED, "delta": joint.unexplained,
                           "share_of_movement": None, "scope": None, "open": None}])
    ui.table(pd.concat([frame, extra], ignore_index=True) if not frame.empty else extra, f"{key}_segments",
             _config())


def top_segments(c: ui.Ctx, scope: str | data.Adhoc, prefix: str) -> None:
    """A scope page's section: the top segments of the scope's joint explanation, each linked to its scope."""
    detail = ui.call(data.scope_detail, c.store, c.key, scope)
    joint = detail.joint
    st.subheader("Top segments (joint explanation)")
    if not joint.segments:
        st.caption("No segment explains a share of this scope's movement.")
        return
    st.caption(
        f"{len(joint.segments[:TOP])} segment(s) explain {sum(s.share_of_movement for s in joint.segments[:TOP]):.0%}"
        " of the scope's movement; the rest of the delta is unexplained."
    )
    ui.table(segments_frame(c, joint, TOP), f"{prefix}_joint_segments", _config())
