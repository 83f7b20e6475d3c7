"""Explore: any ad-hoc scope (brands, categories, regions, places by name), the criteria it would get as a
customer or deal, the same analysis and attribution as a stakeholder's, and ways to keep it."""

from __future__ import annotations

import streamlit as st

from dashboard.engine.places import filter_places, labels
from dashboard.stakeholders.model import STAGES, TIERS
from dashboard.views import (
    data,
    explore_attribution,
    explore_data,
    explore_keep,
    guarantee_section,
    joint_section,
    scope_view,
    ui,
)

c = ui.ctx()
ui.page_header("Explore", c, "an edge-case check on any set of places (the sidebar's scope does not apply here)")
c.require_pair()


def values(kind: str) -> list[str]:
    return ui.call(data.scope_values, c.store, c.key, kind)


explore_keep.saved_scopes_picker(c)  # before the pickers: reopening a scope fills them

st.caption(
    "Places matching every non-empty filter, plus the places picked by name. Each choice is part of the link."
)
left, right = st.columns(2)
with left:
    brands = st.multiselect("Brands", values("brand"), key="x_brands", bind="query-params")
    categories = st.multiselect("Categories", values("category"), key="x_categories", bind="query-params")
with right:
    regions = st.multiselect("Regions", values("region"), key="x_regions", bind="query-params")
    directory = ui.call(explore_data.places, c.store, c.key)
    label_of = labels(directory)
    with st.popover("Narrow the place list by brand or city", icon=":material/filter_list:", width="stretch"):
        by_brand = st.multiselect(
            "Brand", sorted({p.brand_label for p in directory}), key="x_find_brands", placeholder="any brand"
        )
        by_city = st.multiselect(
            "City", sorted({p.city_label for p in directory}), key="x_find_cities", placeholder="any city"
        )
    # What is picked stays offered when the list is narrowed: the session holds ids, a link holds labels.
    id_of = {text: pid for pid, text in label_of.items()}
    chosen_now = st.session_state.get("x_places") or [id_of.get(t, t) for t in st.query_params.get_all("x_places")]
    offered = [p.place_id for p in filter_places(directory, by_brand, by_city)]
    offered += [pid for pid in chosen_now if pid in label_of and pid not in set(offered)]
    places = st.multiselect(
        "Places",
        offered,
        format_func=lambda pid: label_of.get(pid, pid),
        key="x_places",
        bind="query-params",
        placeholder="Type a name, brand or city",
        help="Each place as “Name — brand, city” (the region when the city is unknown). Narrow the list by brand "
        "or city above.",
    )
name = st.text_input("Name of this scope", value="my-scope", key="x_name", bind="query-params", max_chars=64)

if not (brands or categories or regions or places):
    st.info("Pick at least one brand, category, region or place to compare, or reopen a saved scope.")
    st.stop()

scope = data.Adhoc(name or "my-scope", tuple(brands), tuple(categories), tuple(regions), tuple(places))

st.subheader("As a stakeholder: the criteria it would get")
a, b, _ = st.columns([2, 2, 3])
with a:
    kind = st.radio(
        "Check it as a",
        ["deal", "customer"],
        horizontal=True,
        key="x_kind",
        bind="query-params",
        help="A customer's scope is its brands (within its regions) and its places; a deal's is the places "
        "matching all its filters. Categories only exist on deals.",
    )
with b:
    if kind == "customer":
        tier = st.selectbox("Tier", TIERS, key="x_tier", bind="query-params")
        stage = STAGES[0]
    else:
        stage = st.selectbox("Stage", STAGES, key="x_stage", bind="query-params")
        tier = "standard"
entity = explore_keep.criteria_section(c, scope, kind, tier, stage)

st.subheader("The scope in depth")
scope_view.render(c, scope, "explore", own_brands=())
joint_section.top_segments(c, scope, "explore")
explore_attribution.draw(c, scope)
guarantee_section.render(c, scope, "explore", snippet=explore_keep.snippet_text(entity))
explore_keep.keep_section(c, scope, entity, kind, tier, stage)
