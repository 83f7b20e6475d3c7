"""Releases page section: how the picked release came in (snapshot ingest or patterns import, files, rows, warnings)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.store.catalog import Release, Store
from dashboard.store.provenance import release_provenance
from dashboard.views import ui


def draw(store: Store, release: Release) -> None:
    """The "How it came in" section for ``release``; the facts come from ``store.provenance``."""
    p = release_provenance(store, release)
    st.subheader("How it came in")
    parts = [f"**{ui.md(p.how)}**", f"{p.rows:,} visit rows", f"{p.places:,} places"]
    if p.weekly_rows is not None:
        parts.append(f"from {p.weekly_rows:,} weekly rows")
    parts.append(f"ingested {ui.md(p.at)}")
    st.markdown(" · ".join(parts))
    if p.folder:
        st.caption(f"From the folder {ui.code(p.folder)}")
    if p.files:
        ui.table(pd.DataFrame({"file": list(p.files)}), "provenance_files")
    elif not p.files_known:
        st.caption("Its file names were not recorded (ingested before relcheck kept them).")
    if p.warnings:
        for w in p.warnings:
            st.warning(ui.md(w))
    else:
        st.caption("No warnings at ingest.")
