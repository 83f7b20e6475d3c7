"""Explore: any ad-hoc scope (brands, categories, regions, places by name), the criteria it would get as a
customer or deal, the same analysis and attribution as a stakeholder's, and ways to keep it."""

from __future__ import annotations

import streamlit as st

from dashboard.engine.places import PICKER_MAX, filter_places, labels
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
    brand_labels, city_labels = ui.call(explore_data.place_filters, c.store, c.key)
    with st.popover("Narrow the place list by brand or city", icon=":material/filter_list:", width="stretch"):
        by_brand = st.multiselect("Brand", brand_labels, key="x_find_brands", placeholder="any brand",
                                  bind="query-params")
        by_city = st.multiselect("City", city_labels, key="x_find_cities", placeholder="any city",
                                 bind="query-params")
    # What is picked stays offered when the list is narrowed: the session holds ids, a link holds labels.
    linked = tuple(st.session_state.get("x_places") or st.query_params.get_all("x_places"))
    size = explore_data.directory_size(c.store, c.key)
    if size <= PICKER_MAX:  # every place, narrowed here
        directory = ui.call(explore_data.places, c.store, c.key)
        offered_places = filter_places(directory, by_brand, by_city)
    else:  # millions of places: only the narrowed ones (and the picked ones) come from the engine
        directory = ui.call(explore_data.places, c.store, c.key, tuple(by_brand), tuple(by_city), PICKER_MAX,
                            linked) if by_brand or by_city or linked else []
        offered_places = filter_places(directory, by_brand, by_city) if by_brand or by_city else []
        st.caption(f"About {size:,} places: narrow the list by brand or city to pick places (at most "
                   f"{PICKER_MAX:,} of them are offered).")
    label_of = labels(directory)
    id_of = {text: pid for pid, text in label_of.items()}
    chosen_now = [id_of.get(t, t) for t in linked]
    offered = [p.place_id for p in offered_places][:PICKER_MAX]
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
