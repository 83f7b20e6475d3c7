"""Explore: any ad-hoc scope (brands, categories, regions, places), the same analysis, and a snippet to keep it."""

from __future__ import annotations

import streamlit as st

from dashboard.errors import RelcheckError
from dashboard.stakeholders import stakeholder_snippet
from dashboard.views import data, guarantee_section, joint_section, scope_view, ui

c = ui.ctx()
ui.page_header("Explore", c, "an edge-case check on any set of places")
c.require_pair()


def values(kind: str) -> list[str]:
    return ui.call(data.scope_values, c.store, c.key, kind)


st.caption(
    "Places matching every non-empty filter, plus the listed place ids. Each filter is part of the link."
)
left, right = st.columns(2)
with left:
    brands = st.multiselect("Brands", values("brand"), key="x_brands", bind="query-params")
    categories = st.multiselect("Categories", values("category"), key="x_categories", bind="query-params")
with right:
    regions = st.multiselect("Regions", values("region"), key="x_regions", bind="query-params")
    places = st.multiselect("Places (ids)", values("place"), key="x_places", bind="query-params")
name = st.text_input("Name of this scope", value="my-scope", key="x_name", bind="query-params", max_chars=64)

if not (brands or categories or regions or places):
    st.info("Pick at least one brand, category, region or place to compare.")
    st.stop()

scope = data.Adhoc(name or "my-scope", tuple(brands), tuple(categories), tuple(regions), tuple(places))
detail = scope_view.render(c, scope, "explore", own_brands=())
joint_section.top_segments(c, scope, "explore")

st.subheader("Keep it: a stakeholders-file snippet")
kind = st.radio(
    "As a",
    ["deal", "customer"],
    horizontal=True,
    key="x_kind",
    bind="query-params",
    help="A customer's scope is its brands (and competitors) in its regions; a deal's is the places "
    "matching all its filters. Categories only exist on deals.",
)
sid = (
    "".join(ch if ch.isalnum() or ch in "._-" else "-" for ch in (name or "my-scope")).strip("-")
    or "my-scope"
)
try:
    if kind == "customer":
        if categories:
            st.warning("Customers have no category filter: the categories are left out of the snippet.")
        text = stakeholder_snippet(
            "customer",
            id=sid,
            name=name,
            tier="standard",
            brands=list(brands),
            competitors=[],
            regions=list(regions),
            place_ids=list(places),
        )
    else:
        text = stakeholder_snippet(
            "deal",
            id=sid,
            prospect=name,
            stage="trial",
            owner="sales engineering",
            categories=list(categories),
            regions=list(regions),
            brands=list(brands),
            place_ids=list(places),
        )
except RelcheckError as exc:
    ui.stop_error(f"Cannot write this scope as a snippet: {ui.md(exc)}")
st.code(text, language="toml")
st.download_button(
    "Download snippet",
    data=text.encode("utf-8"),
    file_name=f"{sid}.toml",
    mime="application/toml",
    key="dl_snippet",
    on_click="ignore",
    icon=":material/download:",
)
guarantee_section.render(c, scope, "explore", snippet=text)
