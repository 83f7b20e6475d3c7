"""Cached calls into the chaos core for the Chaos lab's sensitivity sweep (dashboard.chaos.sensitivity)."""

from __future__ import annotations

import streamlit as st

from dashboard.chaos.fragility import StakeholderBreak, first_breaks, sources_by_volume
from dashboard.chaos.sensitivity import SensitivityResult, sensitivity
from dashboard.engine import metrics
from dashboard.store.catalog import Store
from dashboard.views import data


@st.cache_data(show_spinner=False, max_entries=16)
def release_values(_store: Store, key: data.Key, release: str, kind: str) -> list[str]:
    """Sources or regions of one release (dashboard.engine.metrics.scope_values)."""
    return metrics.scope_values(_store, [release], kind)


@st.cache_data(show_spinner=False, max_entries=16)
def largest_source(_store: Store, key: data.Key, release: str) -> str | None:
    """The source with the most visits in ``release`` (dashboard.chaos.fragility.sources_by_volume)."""
    volumes = sources_by_volume(_store, release)
    return volumes[0][0] if volumes else None


@st.cache_data(show_spinner="Sweeping the fault size (a few seconds per probe)…", max_entries=16)
def sweep(
    _store: Store, key: data.Key, release: str, source: str, regions: tuple[str, ...], largest: float, tol: float
) -> tuple[list[SensitivityResult], list[StakeholderBreak]]:
    """Scale ``source`` (in ``regions``) down to ``1 - largest``: every criterion's breaking size, and each
    stakeholder's first break, most fragile first."""
    results = sensitivity(_store, release, data.stakeholders(key.stakeholders, key.stakeholders_stamp),
                          family="scale_source", source=source, regions=regions or None, lo=1.0 - largest,
                          hi=1.0, tol=tol)
    return results, first_breaks(results)
