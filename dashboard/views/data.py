"""Cached calls into the core, for the dashboard only.

Nothing here computes a metric: every function calls a core module and returns its typed result. The
results are cached with ``st.cache_data`` keyed by the store folder, a stamp of its catalog (so a new
ingest or promotion invalidates them), the release pair and the scope; the gate's cache also keys on the
sign-off log and the stakeholders file. The ``Store`` itself is a ``st.cache_resource`` (it holds one
in-memory DuckDB root; every query takes its own cursor, so threads never share a connection). A
``PairSession`` is made inside one call and closed there, never cached.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd
import streamlit as st

from dashboard.acceptance import history, service
from dashboard.acceptance.results import GateResult
from dashboard.attribution import core as attribution_core
from dashboard.attribution import scope_detail as detail
from dashboard.chaos.cell import CellSeries, cell_series
from dashboard.chaos.robustness import ChaosResult, run_chaos
from dashboard.chaos.scenario import Scenario, select_scenarios
from dashboard.chaos.scenario_file import load_scenarios
from dashboard.engine import metrics
from dashboard.engine.scopes import (
    ScopeDef,
    adhoc_scope,
    resolve_scope,
)
from dashboard.engine.session import PairSession
from dashboard.errors import RelcheckError
from dashboard.stakeholders import Stakeholders, load_stakeholders
from dashboard.store.catalog import Store

CACHE_ENTRIES = 64


def stamp(path: Path) -> int:
    """A change stamp of a file (mtime and size); 0 when absent."""
    try:
        st_ = path.stat()
    except OSError:
        return 0
    return st_.st_mtime_ns ^ (st_.st_size << 1)


@st.cache_resource(show_spinner=False)
def _store(home: str) -> Store:
    return Store(home)


def get_store(home: Path) -> Store:
    return _store(str(home.resolve()))


class Key(NamedTuple):
    """What a cached result depends on: the store folder and catalog, the pair, the stakeholders file."""

    home: str
    catalog: int
    current: str
    candidate: str
    stakeholders: str
    stakeholders_stamp: int


def key_of(store: Store, current: str, candidate: str, stakeholders_path: Path) -> Key:
    return Key(
        str(store.home.resolve()),
        stamp(store.catalog_path),
        current,
        candidate,
        str(stakeholders_path),
        stamp(stakeholders_path),
    )


# ------------------------------------------------------------------------------------------ stakeholders
@st.cache_data(show_spinner=False, max_entries=8)
def stakeholders(path: str, file_stamp: int) -> Stakeholders:
    return load_stakeholders(path)


def _sh(key: Key) -> Stakeholders:
    return stakeholders(key.stakeholders, key.stakeholders_stamp)


# ---------------------------------------------------------------------------------------------- scopes
@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES)
def scope_values(_store: Store, key: Key, kind: str) -> list[str]:
    """Values of a scope kind (category, region, brand, place, source, segment) in either release."""
    return metrics.scope_values(_store, [key.current, key.candidate], kind)


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES)
def pair_window(_store: Store, key: Key) -> dict[str, str]:
    """The pair's common window; RelcheckError (naming the fix) when the releases are the same or share no date."""
    current, candidate = _store.pair(key.current, key.candidate)
    with PairSession(_store, current, candidate) as session:
        return session.window.to_dict()


def scope_def(scope: str | ScopeDef, sh: Stakeholders | None) -> ScopeDef:
    return scope if isinstance(scope, ScopeDef) else resolve_scope(scope, sh)


class Adhoc(NamedTuple):
    """An Explore page scope: places matching every non-empty filter, plus the listed places."""

    name: str
    brands: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    places: tuple[str, ...] = ()

    def scope(self) -> ScopeDef:
        return adhoc_scope(
            self.name,
            brands=self.brands,
            categories=self.categories,
            regions=self.regions,
            place_ids=self.places,
        )


# ---------------------------------------------------------------------------------------------- compare
@st.cache_data(show_spinner="Comparing releases…", max_entries=CACHE_ENTRIES)
def comparison(_store: Store, key: Key, by: str) -> metrics.Comparison:
    """Metrics of every scope of one kind (customer, deal, category, region, ...) or of ``all``."""
    sh = _sh(key) if by in ("customer", "deal") else None
    return metrics.compare_releases(
        _store, key.current, key.candidate, by=None if by == "all" else by, stakeholders=sh
    )


ScopeDetail = detail.ScopeDetail


@st.cache_data(show_spinner="Comparing the scope…", max_entries=CACHE_ENTRIES)
def scope_detail(_store: Store, key: Key, scope: str | Adhoc) -> ScopeDetail:
    """One scope in depth (dashboard.attribution.scope_detail): a scope string or an Explore page's ad-hoc scope."""
    if isinstance(scope, Adhoc):
        d = scope.scope()
    else:
        d = scope_def(scope, _sh(key) if _needs_sh(scope) else None)
    return detail.scope_detail(_store, key.current, key.candidate, d)


@st.cache_data(show_spinner="Loading series…", max_entries=CACHE_ENTRIES)
def daily_many(_store: Store, key: Key, scopes: tuple[str, ...]) -> pd.DataFrame:
    """Daily series of several scopes in one session: scope, date, current, candidate."""
    sh = _sh(key) if any(_needs_sh(s) for s in scopes) else None
    return detail.daily_series_many(_store, key.current, key.candidate, [scope_def(s, sh) for s in scopes])


def _needs_sh(scope: str) -> bool:
    return scope.startswith(("customer:", "deal:"))


# ------------------------------------------------------------------------------------------------- gate
@st.cache_data(show_spinner="Evaluating the acceptance criteria…", max_entries=CACHE_ENTRIES)
def gate(_store: Store, key: Key, signoffs_stamp: int, causes: bool = False) -> GateResult:
    """The gate on the pair, never recorded (the dashboard writes nothing but sign-offs).

    ``causes`` also attributes each failing result to a source and a pipeline component; that runs the
    ablation comparisons and is slow, so pages ask for it explicitly.
    """
    return service.run_gate(_store, key.current, key.candidate, _sh(key), record=False, attribute=causes)


def gate_for(store: Store, key: Key, causes: bool = False) -> GateResult:
    return gate(store, key, stamp(store.signoffs_path), causes)


# ------------------------------------------------------------------------------------------ attribution
@st.cache_data(show_spinner="Attributing the delta…", max_entries=CACHE_ENTRIES)
def attribution(_store: Store, key: Key, scope: str, metric: str) -> Any:
    """Every attribution lens of one scope's delta (dashboard.attribution.attribute)."""
    sh = _sh(key) if _needs_sh(scope) else None
    return attribution_core.attribute(_store, key.current, key.candidate, scope, sh, metric)


@st.cache_data(show_spinner="Splitting by region and source…", max_entries=CACHE_ENTRIES)
def region_source(_store: Store, key: Key, scope: str) -> pd.DataFrame:
    """Delta per region and source (dashboard.attribution.region_source_matrix) as a frame."""
    sh = _sh(key) if _needs_sh(scope) else None
    cells = attribution_core.region_source_matrix(_store, key.current, key.candidate, scope, sh)
    cols = ["region", "source", "visits_current", "visits_candidate", "delta"]
    return pd.DataFrame([cell.to_json() for cell in cells], columns=cols)


@st.cache_data(show_spinner="Comparing consecutive releases…", max_entries=CACHE_ENTRIES)
def metric_history(_store: Store, key: Key, scope: str, metric: str) -> list[dict[str, Any]]:
    """A scope's metric over consecutive releases (dashboard.history.metric_history)."""
    try:
        sh = _sh(key)
    except (RelcheckError, OSError):
        sh = None  # the values still show; criteria statuses need a readable stakeholders file
    if sh is None and _needs_sh(scope):
        raise RelcheckError(f"scope {scope} needs a readable stakeholders file")
    return history.metric_history(_store, scope, metric, sh)


# ------------------------------------------------------------------------------------------------ chaos
@st.cache_data(show_spinner=False, max_entries=8)
def scenarios(path: str, file_stamp: int) -> tuple[Scenario, ...]:
    """The scenario file's scenarios (dashboard.chaos.scenario_file.load_scenarios)."""
    return load_scenarios(path)


@st.cache_data(show_spinner="Running the chaos scenarios…", max_entries=16)
def chaos_run(
    _store: Store, key: Key, release: str, scenarios_path: str, file_stamp: int, names: tuple[str, ...]
) -> ChaosResult:
    """The chosen scenarios judged against ``release`` (dashboard.chaos.robustness.run_chaos)."""
    chosen = select_scenarios(scenarios(scenarios_path, file_stamp), names)
    return run_chaos(_store, release, chosen, _sh(key))


@st.cache_data(show_spinner="Perturbing the release…", max_entries=32)
def chaos_series(
    _store: Store, key: Key, release: str, scenarios_path: str, file_stamp: int, name: str, scope: str
) -> CellSeries:
    """One robustness-matrix cell (dashboard.chaos.cell.cell_series)."""
    (scenario,) = select_scenarios(scenarios(scenarios_path, file_stamp), (name,))
    return cell_series(_store, release, scenario, scope, _sh(key) if _needs_sh(scope) else None)
