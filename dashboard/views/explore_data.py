"""Cached calls into the core for the Explore page: the places directory, what-if criteria, attribution.

Like :mod:`dashboard.views.data`, nothing here computes: each function calls one core function, cached on
the store's catalog stamp, the pair and the scope. Saved scopes are read fresh on every run (a tiny file
another tab may have changed).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard.acceptance.hypothetical import HypotheticalCheck, evaluate_hypothetical
from dashboard.attribution import core as attribution_core
from dashboard.engine.places import Place, directory_filters, place_directory
from dashboard.engine.places import directory_size as places_size
from dashboard.stakeholders import Customer, Deal
from dashboard.store.catalog import Store
from dashboard.views import data

ENTRIES = 32


@st.cache_data(show_spinner="Listing places…", max_entries=8)
def places(_store: Store, key: data.Key, brands: tuple[str, ...] = (), cities: tuple[str, ...] = (),
           limit: int | None = None, picked: tuple[str, ...] = ()) -> list[Place]:
    """The places of the pair, candidate's attributes first (dashboard.engine.places.place_directory)."""
    return place_directory(_store, [key.current, key.candidate], brands, cities, limit, picked)


@st.cache_data(show_spinner="Listing brands and cities…", max_entries=8)
def place_filters(_store: Store, key: data.Key) -> tuple[list[str], list[str]]:
    """The brands and cities the place picker is narrowed by (dashboard.engine.places.directory_filters)."""
    return directory_filters(_store, [key.current, key.candidate])


def directory_size(store: Store, key: data.Key) -> int:
    """About how many places the pair holds (from the catalog)."""
    return places_size(store, [key.current, key.candidate])


@st.cache_data(show_spinner="Judging the scope as a stakeholder…", max_entries=ENTRIES)
def hypothetical(_store: Store, key: data.Key, entity: Customer | Deal) -> HypotheticalCheck:
    """The criteria ``entity`` would get, judged on the pair (dashboard.acceptance.hypothetical)."""
    return evaluate_hypothetical(_store, key.current, key.candidate, data.stakeholders(
        key.stakeholders, key.stakeholders_stamp), entity)


@st.cache_data(show_spinner="Attributing the delta…", max_entries=ENTRIES)
def attribution(_store: Store, key: data.Key, scope: data.Adhoc, metric: str) -> Any:
    """Every attribution lens of the ad-hoc scope's delta (dashboard.attribution.core.attribute)."""
    return attribution_core.attribute(_store, key.current, key.candidate, scope.scope(), None, metric)


@st.cache_data(show_spinner="Splitting by region and source…", max_entries=ENTRIES)
def region_source(_store: Store, key: data.Key, scope: data.Adhoc) -> pd.DataFrame:
    """Delta per region and source of the ad-hoc scope, as a frame."""
    cells = attribution_core.region_source_matrix(_store, key.current, key.candidate, scope.scope())
    cols = ["region", "source", "visits_current", "visits_candidate", "delta"]
    return pd.DataFrame([cell.to_json() for cell in cells], columns=cols)
