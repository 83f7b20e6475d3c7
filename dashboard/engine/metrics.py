"""Consistency metrics per scope between the current release and a candidate (DESIGN section 5).

The definitions are a contract that outside tools recompute; each is computed in SQL
(``queries/metrics_*.sql``) over the session's per-scope aggregates, and assembled here.

:func:`compare_releases` is the entry point the CLI (``relcheck compare``) and the dashboard share;
:func:`scope_values` lists the values a scope picker offers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dashboard.engine.divergence import Onset, iso, onsets
from dashboard.engine.place_ranges import ALL_PLACES, PlaceRange
from dashboard.engine.scopes import (
    ATTRIBUTE_KINDS,
    BY_KINDS,
    ROW_KINDS,
    ScopeDef,
    check_known_values,
    resolve_scope,
    simple_scope,
    stakeholder_scopes,
)
from dashboard.engine.session import SP, PairSession, Window, side_inputs, values_query
from dashboard.errors import RelcheckError
from dashboard.metric_catalog import METRIC_NAMES
from dashboard.stakeholders.model import Stakeholders
from dashboard.store.catalog import Store

SMALL_GROWTH_PCT = 0.5  # a change under 0.5 % in both releases counts as sign agreement


@dataclass(frozen=True)
class ScopeMetrics:
    """Every metric of section 5 for one scope; None where a metric cannot be computed.

    ``onset``: where the two releases' daily series part (:mod:`dashboard.engine.divergence`), None when they
    never leave their usual difference; ``diverges_from`` in a row.
    """

    scope: ScopeDef
    values: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)
    onset: Onset | None = None

    def get(self, name: str) -> Any:
        return self.values.get(name)

    @property
    def diverges_from(self) -> str | None:
        return iso(self.onset)

    def to_row(self) -> dict[str, Any]:
        return {
            "scope_type": self.scope.kind,
            "scope_id": self.scope.value if self.scope.kind != "all" else "all",
            "scope_name": self.scope.name,
            **{name: self.values.get(name) for name in METRIC_NAMES},
            "diverges_from": self.diverges_from,
        }


@dataclass(frozen=True)
class Comparison:
    current: str
    candidate: str
    window: Window
    scopes: list[ScopeMetrics]

    def to_json(self) -> dict[str, Any]:
        return {
            "current": self.current,
            "candidate": self.candidate,
            "window": self.window.to_dict(),
            "rows": [s.to_row() for s in self.scopes],
        }

    def by_scope_id(self) -> dict[str, ScopeMetrics]:
        return {s.scope.scope_id: s for s in self.scopes}

    def flat_rows(self) -> list[dict[str, Any]]:
        """Rows for tables and CSV: the interval as two columns, in the order of :data:`FLAT_COLUMNS`."""
        return [flatten_row(s.to_row()) for s in self.scopes]


CI_COLUMNS = ("level_change_ci95_low_pct", "level_change_ci95_high_pct")
#: Columns of a comparison table or CSV: the scope, then every metric, the interval split in two, then the
#: divergence onset.
FLAT_COLUMNS: tuple[str, ...] = ("scope_type", "scope_id", "scope_name") + tuple(
    c for name in METRIC_NAMES for c in (CI_COLUMNS if name == "level_change_ci95_pct" else (name,))
) + ("diverges_from",)


def flatten_row(row: dict[str, Any]) -> dict[str, Any]:
    ci = row.get("level_change_ci95_pct")
    out = {k: v for k, v in row.items() if k != "level_change_ci95_pct"}
    out[CI_COLUMNS[0]], out[CI_COLUMNS[1]] = (ci[0], ci[1]) if ci else (None, None)
    return {c: out.get(c) for c in FLAT_COLUMNS}


def level_change_ci95(
    visits_current: float, visits_candidate: float, raw_current: float | None, raw_candidate: float | None
) -> list[float] | None:
    """95 % interval of level_change_pct under Poisson noise on raw visits.

    Conditional on k_a + k_b, k_b is binomial with p = λ_b / (λ_a + λ_b); the exact
    (Clopper-Pearson) interval for p maps to λ_b/λ_a = p / (1 − p), scaled by each
    release's visits per raw visit, so the point estimate is visits_candidate / visits_current.
    None without raw visits on both sides, or with no current visits.
    """
    return level_change_ci95_many([visits_current], [visits_candidate], [raw_current], [raw_candidate])[0]


def level_change_ci95_many(
    visits_current: Sequence[float],
    visits_candidate: Sequence[float],
    raw_current: Sequence[float | None],
    raw_candidate: Sequence[float | None],
) -> list[list[float] | None]:
    """:func:`level_change_ci95` for many scopes at once (vectorised: a comparison by place has thousands).

    The Clopper-Pearson bounds are beta quantiles: low = B(α/2; k_b, k_a + 1), high = B(1 − α/2; k_b + 1, k_a).
    """
    n = len(visits_current)
    if n == 0:
        return []
    import numpy as np  # here, not at the top: a command imports it while its scans run (dashboard.prefetch)

    va = np.asarray(visits_current, dtype=float)
    vb = np.asarray(visits_candidate, dtype=float)
    ka = np.array([np.nan if k is None else round(float(k)) for k in raw_current], dtype=float)
    kb = np.array([np.nan if k is None else round(float(k)) for k in raw_candidate], dtype=float)
    ok = (va > 0) & (ka > 0) & (kb > 0)  # NaN compares False: no raw visits, no interval
    out: list[list[float] | None] = [None] * n
    if not ok.any():
        return out
    a, b, v_a, v_b = ka[ok], kb[ok], va[ok], vb[ok]
    from scipy.special import (
        betaincinv,  # the beta quantile (= scipy.stats.beta.ppf), without scipy.stats' 0.4 s import
    )

    alpha = 0.05
    p_low = betaincinv(b, a + 1, alpha / 2)
    p_high = betaincinv(b + 1, a, 1 - alpha / 2)
    scale = (v_b / b) / (v_a / a)
    with np.errstate(divide="ignore", invalid="ignore"):
        low = 100.0 * (scale * p_low / (1.0 - p_low) - 1.0)
        high = 100.0 * (scale * p_high / (1.0 - p_high) - 1.0)
    for i, lo, hi in zip(np.flatnonzero(ok), low, high, strict=True):
        if math.isfinite(lo) and math.isfinite(hi):
            out[int(i)] = [float(lo), float(hi)]
    return out


def _clean(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


def compute(session: PairSession, divergence: bool = True) -> list[ScopeMetrics]:
    """Metrics for every scope prepared on the session (``session.prepare`` first), with each scope's
    divergence onset unless ``divergence=False`` (callers that only read metric values: ablation runs)."""
    eng = session.engine

    def by_scope(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        return {r["scope_id"]: r for r in rows}

    totals = by_scope(eng.run("metrics_totals", inputs={"scopes": "scopes"} | SP).dicts())
    daily = by_scope(eng.run("metrics_daily", inputs={"daily_series": "daily_series"}).dicts())
    weekly = by_scope(eng.run("metrics_weekly", inputs={"weekly_series": "weekly_series"},
                              small_pct=SMALL_GROWTH_PCT).dicts())
    share = by_scope(eng.run("metrics_share", inputs=SP).dicts())
    rank = by_scope(eng.run("metrics_rank", inputs=SP).dicts())
    onset_of = onsets(session) if divergence else {}
    rows = [totals[d.scope_id] for d in session.defs]
    intervals = level_change_ci95_many(
        [float(t["visits_current"]) for t in rows], [float(t["visits_candidate"]) for t in rows],
        [t["raw_current"] for t in rows], [t["raw_candidate"] for t in rows],
    )
    out = []
    for d, t, interval in zip(session.defs, rows, intervals, strict=True):
        sid = d.scope_id
        va, vb = float(t["visits_current"]), float(t["visits_candidate"])
        delta = vb - va
        values: dict[str, Any] = {
            "visits_current": va,
            "visits_candidate": vb,
            "delta": delta,
            "level_change_pct": 100.0 * delta / va if va != 0 else None,
            "daily_corr": _clean(daily.get(sid, {}).get("daily_corr")),
            "weekly_growth_mae_pp": _clean(weekly.get(sid, {}).get("weekly_growth_mae_pp")),
            "growth_sign_agreement": _clean(weekly.get(sid, {}).get("growth_sign_agreement")),
            "max_share_shift_pp": _clean(share.get(sid, {}).get("max_share_shift_pp")),
            "rank_corr": _clean(rank.get(sid, {}).get("rank_corr")),
            "places_current": int(t["places_current"]),
            "places_candidate": int(t["places_candidate"]),
            "places_added": int(t["places_added"]),
            "places_dropped": int(t["places_dropped"]),
            "level_change_ci95_pct": interval,
        }
        extra = {
            "raw_current": t["raw_current"],
            "raw_candidate": t["raw_candidate"],
            "growth_pairs": int(weekly.get(sid, {}).get("growth_pairs") or 0),
            "common_places": int(rank.get(sid, {}).get("common_places") or 0),
            "days": int(daily.get(sid, {}).get("days") or 0),
        }
        out.append(ScopeMetrics(d, values, extra, onset_of.get(sid)))
    return out


def compare(
    session: PairSession, defs: Sequence[ScopeDef], by_attribute: str | None = None,
    places: PlaceRange = ALL_PLACES,
) -> Comparison:
    session.prepare(defs, by_attribute=by_attribute, places=places)
    return Comparison(session.a.label, session.b.label, session.window, compute(session))


# ------------------------------------------------------------------------------------ entry points
_KIND_ALIASES = {
    "categories": "category", "regions": "region", "brands": "brand", "places": "place",
    "sources": "source", "segments": "segment",
}


def _scope_defs(
    session: PairSession, by: str | None, scope: str | None, stakeholders: Stakeholders | None
) -> tuple[list[ScopeDef], str | None]:
    """The scopes to compare and, for one scope per attribute value, the attribute to group by."""
    if scope is not None:
        d = resolve_scope(scope, stakeholders)
        if by is not None and d.kind not in (by, "all"):
            raise RelcheckError(
                f"--scope {scope} is a {d.kind} scope but --by is {by}; give a {by}:VALUE scope or drop --by"
            )
        if d.kind in ATTRIBUTE_KINDS or d.kind in ROW_KINDS:
            check_known_values(d.kind, d.value, session.values(d.kind))
            if d.kind == "place":
                d = simple_scope("place", d.value, session.place_names().get(d.value or ""))
        return [d], None
    if by is None:
        return [simple_scope("all")], None
    if by in ("customer", "deal"):
        if stakeholders is None:
            raise RelcheckError(f"comparing by {by} needs a stakeholders file (--stakeholders)")
        return stakeholder_scopes(by, stakeholders), None
    names = session.place_names() if by == "place" else {}
    defs = [simple_scope(by, v, names.get(v)) for v in session.values(by)]
    return defs, (by if by in ATTRIBUTE_KINDS else None)


def compare_releases(
    store: Store,
    current: str | None,
    candidate: str | None,
    by: str | None = None,
    scope: str | None = None,
    stakeholders: Stakeholders | None = None,
) -> Comparison:
    """Compare two stored releases: every metric of section 5 per scope.

    ``current``/``candidate`` default to the store's current release and its default candidate.
    ``by`` (customer, deal, category, region, brand, source, segment, place) gives one scope per
    stakeholder or per value present in either release; ``scope`` (a scope string) limits the
    comparison to that one scope; with neither, the ``all`` scope. Unknown releases, scope kinds
    or values raise :class:`~dashboard.errors.RelcheckError` (``NotFoundError`` listing what exists).
    """
    if by is not None and by not in BY_KINDS:
        raise RelcheckError(f"cannot compare by '{by}': use one of {', '.join(BY_KINDS)}")
    current, candidate = store.pair(current, candidate)
    with PairSession(store, current, candidate) as session:
        defs, by_attribute = _scope_defs(session, by, scope, stakeholders)
        return compare(session, defs, by_attribute=by_attribute)


def scope_values(store: Store, release_ids: Sequence[str], kind: str) -> list[str]:
    """Values of a scope kind present in any of the releases, sorted, for scope pickers.

    ``kind``: category, region, brand (null brand as "(independent)"), place, source or segment
    (plural forms accepted).
    """
    kind = _KIND_ALIASES.get(kind, kind)
    query, base = values_query(kind)
    found: set[str] = set()
    with store.cursor() as engine:
        for rid in dict.fromkeys(release_ids):
            store.register_release(engine, store.release(rid), "a")
            rows = engine.run(query, inputs=side_inputs("a", base), attribute=kind).rows()
            found.update(r[0] for r in rows if r[0] is not None)
    return sorted(found)
