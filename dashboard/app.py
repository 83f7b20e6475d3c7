"""The relcheck dashboard: a ``st.navigation`` router over the pages in ``dashboard/views/``.

Run it with ``relcheck serve`` (or ``streamlit run dashboard/app.py``). The sidebar's release pair and
scope are bound to the URL, so every view is a shareable link, e.g.
``/customers?current=2026.10.0&candidate=2026.11.0&customer=freshco``.
"""

from __future__ import annotations

import streamlit as st

from dashboard.views import ui

PAGES = [
    ("views/review.py", "Release review", "review", ":material/fact_check:"),
    ("views/customers.py", "Customers", "customers", ":material/storefront:"),
    ("views/categories.py", "Categories", "categories", ":material/category:"),
    ("views/deals.py", "Deals", "deals", ":material/handshake:"),
    ("views/explore.py", "Explore", "explore", ":material/travel_explore:"),
    ("views/attribution.py", "Attribution", "attribution", ":material/account_tree:"),
    ("views/chaos_lab.py", "Chaos lab", "chaos", ":material/science:"),
    ("views/criteria.py", "Criteria & sign-off", "criteria", ":material/rule:"),
    ("views/releases.py", "Releases", "releases", ":material/history:"),
]

st.set_page_config(page_title="relcheck", page_icon=":material/fact_check:", layout="wide")
page = st.navigation(
    [
        st.Page(path, title=title, url_path=url, icon=icon, default=(i == 0))
        for i, (path, title, url, icon) in enumerate(PAGES)
    ]
)
if ui.sidebar() is not None:
    page.run()
