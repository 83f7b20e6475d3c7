"""Attribution to pipeline components: Shapley values over ablation runs (the current release rebuilt with some
components at the candidate's versions), for one scope, many scopes, or the gate's failing (scope, metric)s.

Each run is compared with the current release in a session of its own over the current/candidate window.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dashboard.attribution.algorithms import shapley_from_runs
from dashboard.attribution.results import ComponentAttribution, ComponentRun
from dashboard.engine import metrics
from dashboard.engine.scopes import ScopeDef
from dashboard.engine.session import PairSession, Window
from dashboard.errors import RelcheckError
from dashboard.metric_catalog import METRICS, finite_number
from dashboard.store.catalog import Release, Store


def metric_name(metric: str) -> str:
    """The metric, if attribution can split it (a judgeable scalar); else a RelcheckError listing those."""
    info = METRICS.get(metric)
    if info is None or not info.judgeable:
        known = ", ".join(m for m, i in METRICS.items() if i.judgeable)
        raise RelcheckError(f"unknown or non-scalar metric '{metric}' for attribution; use one of: {known}")
    return metric


def scope_metrics(
    store: Store, current: str, other: str, defs: Sequence[ScopeDef], window: Window
) -> dict[str, dict[str, Any]]:
    """Every metric of the given scopes between the current release and another, over the given window."""
    with PairSession(store, current, other, window=window) as s:
        s.prepare(list(defs))
        return {m.scope.scope_id: dict(m.values) for m in metrics.compute(s, divergence=False)}


def metric_values(
    store: Store, current: str, other: str, defs: Sequence[ScopeDef], window: Window, metric: str
) -> dict[str, float | None]:
    """One metric of each scope between the current release and another, over the given window."""
    out: dict[str, float | None] = {}
    for sid, values in scope_metrics(store, current, other, defs, window).items():
        value = values.get(metric)
        out[sid] = None if value is None else float(value)
    return out


def covers(rel: Release, window: Window) -> bool:
    """Whether a release holds every date of the window (an ablation run must, to be compared over it)."""
    return (rel.first_date is not None and rel.last_date is not None
            and rel.first_date <= window.start.isoformat() and rel.last_date >= window.end.isoformat())


def component_runs(store: Store, current: str, candidate: str) -> tuple[tuple[str, ...], dict[frozenset[str], Release]]:
    """The players (components whose versions differ) and the ablation run of each swapped set.

    A run qualifies when its base is the current release and each component is at the current's or the
    candidate's version; S = the components at the candidate's version. Of several runs with the same S,
    the last ingested is used. ∅ is the current release and N the candidate themselves.
    """
    cur, cand = store.release(current), store.release(candidate)
    keys = sorted(set(cur.components) | set(cand.components))
    players = tuple(k for k in keys if cur.components.get(k) != cand.components.get(k))
    runs: dict[frozenset[str], Release] = {}
    for rel in store.releases():
        if rel.kind != "ablation" or rel.base != current or rel.release_id in (current, candidate):
            continue
        if set(rel.components) - set(keys):
            continue
        if any(rel.components.get(k) not in (cur.components.get(k), cand.components.get(k)) for k in keys):
            continue
        s = frozenset(k for k in players if rel.components.get(k) == cand.components.get(k))
        if s in (frozenset(), frozenset(players)):
            continue
        runs[s] = rel  # releases() is in ingest order: the last one wins
    return players, runs


def component_attributions(
    store: Store, current: str, candidate: str, defs: Sequence[ScopeDef], window: Window,
    metric: str = "delta", v_candidate: Mapping[str, float | None] | None = None,
) -> dict[str, ComponentAttribution]:
    """Shapley over the ablation runs for several scopes: v(S) = the metric between current and run S.

    One PairSession per run (all scopes prepared on it at once), over the current/candidate window; a run
    that does not cover that window is left out. For ``delta``, v(∅) = 0 needs no session.
    """
    metric = metric_name(metric)
    players, found = component_runs(store, current, candidate)
    ids = [d.scope_id for d in defs]
    notes: list[str] = []
    v_empty = ({i: 0.0 for i in ids} if metric == "delta"
               else metric_values(store, current, current, defs, window, metric))
    v_full = (dict(v_candidate) if v_candidate is not None
              else metric_values(store, current, candidate, defs, window, metric))
    per_run: list[tuple[Release, frozenset[str], dict[str, float | None]]] = []
    for subset, rel in sorted(found.items(), key=lambda kv: (len(kv[0]), sorted(kv[0]))):
        if not covers(rel, window):
            notes.append(f"run {rel.release_id} does not cover the window {window.start}..{window.end}; left out")
            continue
        per_run.append((rel, subset, metric_values(store, current, rel.release_id, defs, window, metric)))
    if not players:
        notes.append("no component version differs between the two releases")
    out = {}
    for sid in ids:
        ve, vf = v_empty.get(sid), v_full.get(sid)
        runs = [ComponentRun(current, (), ve)]
        values: dict[frozenset[str], float] = {}
        for rel, subset, vals in per_run:
            val = vals.get(sid)
            runs.append(ComponentRun(rel.release_id, tuple(p for p in players if p in subset), val))
            if val is not None:
                values[subset] = val
        runs.append(ComponentRun(candidate, players, vf))
        scope_notes = list(notes)
        if ve is None or vf is None:
            scope_notes.append(f"metric {metric} cannot be computed for this scope (current or candidate)")
            out[sid] = ComponentAttribution("none", metric, players, runs, {}, 0.0, ve, vf, scope_notes)
            continue
        values[frozenset()] = ve
        values[frozenset(players)] = vf
        method, phi, interaction = shapley_from_runs(players, values)
        if method == "none" and players:
            scope_notes.append("not enough ablation runs: first order needs every current+{i} run, paired also "
                               "every candidate−{i} run, exact every subset")
        out[sid] = ComponentAttribution(method, metric, players, runs, phi, interaction, ve, vf, scope_notes)
    return out


def component_attribution(
    store: Store, current: str, candidate: str, sd: ScopeDef, window: Window, metric: str = "delta",
    v_candidate: float | None = None,
) -> ComponentAttribution:
    """Shapley over the ablation runs for one scope (see component_attributions)."""
    given = None if v_candidate is None else {sd.scope_id: v_candidate}
    return component_attributions(store, current, candidate, [sd], window, metric, given)[sd.scope_id]


def component_causes(
    store: Store,
    current: str,
    candidate: str,
    window: Window,
    broken: Mapping[str, set[str]],
    defs: Mapping[str, ScopeDef],
    full: Mapping[str, Mapping[str, Any]],
) -> dict[tuple[str, str], dict[str, Any]]:
    """Per failing (scope id, metric), the component with the largest |Shapley contribution| (the gate's cause).

    ``broken``: scope id -> the metrics that failed there; ``defs``: scope id -> its ScopeDef; ``full``: scope
    id -> every metric between current and candidate. Runs are found and combined as in
    :func:`component_attributions`, but each run is compared with the current release once for all the failing
    scopes. Values: component, contribution, method, interaction, contributions (every component's).
    """
    players, runs = component_runs(store, current, candidate)
    runs = {k: rel for k, rel in runs.items() if covers(rel, window)}
    if not players or not runs:
        return {}
    scope_defs = [defs[sid] for sid in sorted(broken)]
    values_by_set = {frozenset(): scope_metrics(store, current, current, scope_defs, window)}
    for swapped, rel in runs.items():
        values_by_set[swapped] = scope_metrics(store, current, rel.release_id, scope_defs, window)
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for sid, metric_names in broken.items():
        for metric in metric_names:
            v_full = finite_number(full.get(sid, {}).get(metric))
            v_empty = finite_number(values_by_set[frozenset()][sid].get(metric))
            if v_full is None or v_empty is None:
                continue
            v: dict[frozenset[str], float] = {frozenset(): v_empty, frozenset(players): v_full}
            for swapped in runs:
                value = finite_number(values_by_set[swapped][sid].get(metric))
                if value is not None:
                    v[swapped] = value
            method, phi, interaction = shapley_from_runs(players, v)
            if method == "none" or not phi:
                continue
            top = max(sorted(phi), key=lambda k: abs(phi[k]))
            out[(sid, metric)] = {"component": top, "contribution": phi[top], "method": method,
                                  "interaction": interaction, "contributions": dict(phi)}
    return out
