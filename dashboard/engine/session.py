"""A comparison session: two releases registered on one engine connection, their common window, scope aggregates.

Everything heavy runs in the engine (:mod:`dashboard.sql.engine`) over the stored Parquet (or over a virtual
candidate's views); Python only sees per-scope aggregates. Relations the session keeps on its connection:

- ``visits_a/_b``, ``places_a/_b``, ``daily_a/_b``: the two releases (a = current, b = candidate)
- ``label_daily_a/_b``: the releases' daily sums per category, region and brand, for a comparison by one of them
- ``scope_defs``, ``scopes``: the scopes being compared
- ``place_members_a/_b`` (scope_id, place_id): each place-set scope resolved with that release's places
- ``members_a/_b``: the same and, for a source or segment scope, every place (place_members itself when
  no scope restricts rows)
- ``place_totals_a/_b`` (place_id, visits, raw_visits): window totals of the scopes' places
- ``sd_a/_b`` (scope_id, date, visits, raw_visits): daily totals per scope over the window
- ``sp_a/_b`` (scope_id, place_id, brand, visits, raw_visits): window totals per member place
- ``source_totals_a/_b`` (place_id, source, segment, visits, raw_visits): window totals per place and source,
  on demand (:meth:`PairSession.source_totals`)
- ``daily_series``, ``weekly_series``: both releases side by side (see queries/series_*.sql)

Queries that work on one release read ``visits_in``, ``members_in``...; each call says which side's relation
each of those names is (:func:`side_inputs`), so nothing is re-pointed behind a query's back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dashboard.engine.place_ranges import ALL_PLACES, PlaceRange, each_range, place_ranges
from dashboard.engine.scopes import ATTRIBUTE_KINDS, ROW_KINDS, ScopeDef, defs_params, simple_scope
from dashboard.errors import RelcheckError
from dashboard.store.catalog import Release, Store

if TYPE_CHECKING:
    import pandas as pd

    from dashboard.sql.duckdb_engine import DuckDBEngine

#: Registers a release's visits_<suffix>, places_<suffix>, daily_<suffix> on an engine connection.
Registrar = Callable[[Any, str], None]
SIDES = ("a", "b")
#: Scope kinds named by a place's labels, listed together (:meth:`PairSession.values`).
LABEL_KINDS = ("category", "region", "brand")


def side_inputs(side: str, *bases: str) -> dict[str, str]:
    """Inputs binding ``<base>_in`` to ``<base>_<side>``: ``side_inputs("a", "visits")`` = {"visits_in": "visits_a"}."""
    if side not in SIDES:
        raise ValueError(f"side must be 'a' or 'b', not {side!r}")
    return {f"{base}_in": f"{base}_{side}" for base in bases}


@dataclass(frozen=True)
class Side:
    """One side of a comparison: a stored release or a virtual one (a chaos scenario)."""

    label: str
    release: Release | None
    register: Registrar

    @staticmethod
    def stored(store: Store, release_id: str) -> Side:
        rel = store.release(release_id)
        return Side(rel.release_id, rel, lambda engine, suffix: store.register_release(engine, rel, suffix))


@dataclass(frozen=True)
class Window:
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def to_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


def values_query(kind: str) -> tuple[str, str]:
    """The query listing a scope kind's values, and the relation it reads: places for place attributes,
    visits for sources and segments."""
    if kind in ATTRIBUTE_KINDS:
        return "scope_values", "places"
    if kind in ROW_KINDS:
        return "scope_visit_values", "visits"
    raise RelcheckError(f"no values for scope kind '{kind}': use one of {', '.join(ATTRIBUTE_KINDS + ROW_KINDS)}")


class PairSession:
    """Two releases on one private engine connection. Not shared between threads: make one per request.

    ``window`` (default: the two releases' common dates) is fixed when the session is built; a comparison
    with an ablation run uses the current/candidate pair's window (see attribution's components).
    """

    def __init__(self, store: Store, current: str | Side, candidate: str | Side, window: Window | None = None) -> None:
        self.store = store
        self.a = current if isinstance(current, Side) else Side.stored(store, current)
        self.b = candidate if isinstance(candidate, Side) else Side.stored(store, candidate)
        self.engine: DuckDBEngine = store.cursor()
        try:
            self.a.register(self.engine, "a")
            self.b.register(self.engine, "b")
            row = self._catalog_window() or self.engine.run(
                "pair_window", inputs={"daily_a": "daily_a", "daily_b": "daily_b"}).rows()[0]
            if row is None or row[0] is None or row[1] is None or row[0] > row[1]:
                raise RelcheckError(
                    f"releases '{self.a.label}' and '{self.b.label}' have no common dates; "
                    "pick a pair whose date ranges overlap (`relcheck releases` lists them)"
                )
        except BaseException:
            self.engine.close()
            raise
        self._window = window if window is not None else Window(row[0], row[1])
        self.defs: list[ScopeDef] = []
        self._source_window: dict[str, Window] = {}
        self._values: dict[str, list[str]] = {}

    def _catalog_window(self) -> tuple[dt.date, dt.date] | None:
        """The common dates of two stored releases from the catalog (the dates ingest found in their visits),
        without a scan; None for a virtual side (chaos) or a store that did not record them."""
        rels = [self.a.release, self.b.release]
        if any(r is None or not r.first_date or not r.last_date for r in rels):
            return None
        firsts = [dt.date.fromisoformat(r.first_date) for r in rels]  # type: ignore[union-attr, arg-type]
        lasts = [dt.date.fromisoformat(r.last_date) for r in rels]  # type: ignore[union-attr, arg-type]
        return max(firsts), min(lasts)

    # ------------------------------------------------------------------ plumbing
    @property
    def window(self) -> Window:
        """The dates compared, fixed when the session is built."""
        return self._window

    def close(self) -> None:
        self.engine.close()

    def __enter__(self) -> PairSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def wparams(self) -> dict[str, dt.date]:
        return {"start": self.window.start, "end": self.window.end}

    def _whole_release(self, side: str) -> Release | None:
        """The side's stored release when all its dates lie in the window (its rollups hold the window's sums)."""
        rel = (self.a if side == "a" else self.b).release
        if (rel is not None and rel.first_date == self.window.start.isoformat()
                and rel.last_date == self.window.end.isoformat()):
            return rel
        return None

    def rollup(self, side: str) -> Path | None:
        """The side's per place and source rollup (place_source.parquet) when it holds exactly the window's sums.

        That is a stored release whose dates all lie in the window; None for a window that leaves out some
        of its dates, a virtual release (chaos) or a store ingested before the rollup existed.
        """
        rel = self._whole_release(side)
        return rel.place_source_path if rel is not None and rel.place_source_path.is_file() else None

    def label_rollup(self, side: str) -> Path | None:
        """The side's per label and day rollup (label_daily.parquet), on the terms of :meth:`rollup`."""
        rel = self._whole_release(side)
        return rel.label_daily_path if rel is not None and rel.label_daily_path.is_file() else None

    def source_totals(self, sides: tuple[str, ...] = SIDES) -> None:
        """Make ``source_totals_a/_b``: visits per place, source and segment over the window (exact sums).

        Read from the release's rollup where :meth:`rollup` allows it, else summed from its visits once per
        session.
        """
        for side in sides:
            name = f"source_totals_{side}"
            if self._source_window.get(side) == self.window:
                continue
            if side in self._source_window:  # the window moved: drop the old totals (a view or a table)
                self.engine.drop(name)
            path = self.rollup(side)
            if path is not None:
                self.engine.register_parquet(name, path)
            else:
                self.engine.materialise(name, "agg_source_totals", inputs=side_inputs(side, "visits"), **self.wparams)
            self._source_window[side] = self.window

    # ------------------------------------------------------------------- scopes
    def values(self, kind: str) -> list[str]:
        """Distinct values of a scope kind present in either release, sorted.

        Place attributes (category, region, brand with null as "(independent)", place) come from each
        release's places table; sources and segments from each release's visits.
        """
        if kind not in self._values:  # a gate checks many scopes of a few kinds
            if kind in LABEL_KINDS:
                self._values.update(self._find_label_values())
            else:
                self._values[kind] = self._find_values(kind)
        return list(self._values[kind])

    def _find_label_values(self) -> dict[str, list[str]]:
        """Categories, regions and brands of both releases: one scan of each places table for the three."""
        found: dict[str, set[str]] = {kind: set() for kind in LABEL_KINDS}
        for side in SIDES:
            for kind, value in self.engine.run("scope_label_values", inputs=side_inputs(side, "places")).rows():
                if value is not None:
                    found[kind].add(value)
        return {kind: sorted(values) for kind, values in found.items()}

    def places_present(self, wanted: Collection[str]) -> set[str]:
        """The place ids among ``wanted`` that either release has (a stakeholders file names a few of
        hundreds of thousands: no need to list them all)."""
        found: set[str] = set()
        if wanted:
            for side in SIDES:
                rows = self.engine.run("scope_places_present", inputs=side_inputs(side, "places"),
                                       wanted=sorted(wanted)).rows()
                found.update(r[0] for r in rows)
        return found

    def _find_values(self, kind: str) -> list[str]:
        query, base = values_query(kind)
        found: set[str] = set()
        for side, release in zip(SIDES, (self.a.release, self.b.release), strict=True):
            recorded = (release.sources if kind == "source" else release.segments) if release is not None else ()
            if kind in ROW_KINDS and recorded:  # the catalog lists what ingest found: no scan of the visits
                found.update(v for v in recorded if v is not None)
                continue
            rows = self.engine.run(query, inputs=side_inputs(side, base), attribute=kind).rows()
            found.update(r[0] for r in rows if r[0] is not None)
        return sorted(found)

    def _places_in(self, places: PlaceRange) -> tuple[set[str], dict[str, str]]:
        """The place ids of either release in a range of place ids, and their names: the candidate's, else
        the current's."""
        lo, hi = places
        ids: set[str] = set()
        names: dict[str, str] = {}
        for side in SIDES:
            rows = self.engine.run("scope_places_in_range", inputs=side_inputs(side, "places"), lo=lo, hi=hi).rows()
            ids.update(pid for pid, _name in rows if pid is not None)
            names.update({pid: name for pid, name in rows if name})
        return ids, names

    def place_names(self) -> dict[str, str]:
        """Place id to name, from the candidate's places table, else the current's."""
        return self._places_in(ALL_PLACES)[1]

    def place_scopes(self, places: PlaceRange) -> list[ScopeDef]:
        """One scope per place of either release in a range of place ids, in place_id order, named from the
        candidate's places table, else the current's (as a comparison by every place names them)."""
        ids, names = self._places_in(places)
        return [simple_scope("place", pid, names.get(pid)) for pid in sorted(ids)]

    def prepare(self, defs: Sequence[ScopeDef], by_attribute: str | None = None,
                places: PlaceRange = ALL_PLACES) -> None:
        """Resolve scopes per release and build the per-scope aggregates on this connection.

        ``by_attribute`` (category, region, brand, place) groups every place by that attribute
        instead of joining against scope definitions (fast for one scope per place). Without
        ``defs`` it compares every value present in either release, so a value that exists in
        one release only (a relabelled category, a dropped place) still gets its scope. ``places``
        limits a comparison by attribute to one range of place ids (by place, a range at a time).
        """
        if by_attribute is not None:
            if by_attribute not in ATTRIBUTE_KINDS:
                raise ValueError(f"by_attribute must be one of {ATTRIBUTE_KINDS}, not {by_attribute!r}")
            if not defs:
                defs = [simple_scope(by_attribute, v) for v in self.values(by_attribute)]
            odd = sorted({d.kind for d in defs} - {by_attribute, *ROW_KINDS})
            if odd:
                raise ValueError(f"by_attribute={by_attribute!r} cannot resolve {', '.join(odd)} scopes")
        self.defs = list(defs)
        eng = self.engine
        eng.materialise("scope_defs", "scope_defs", **defs_params(self.defs))
        defs_in = {"scope_defs": "scope_defs"}
        eng.materialise("scopes", "scope_ids", inputs=defs_in)
        has_rows = any(d.kind in ROW_KINDS for d in self.defs)
        # Without any scope the place path still runs, over nothing, so every relation exists (empty).
        has_places = any(d.kind not in ROW_KINDS for d in self.defs) or not has_rows
        for side in SIDES:
            # Place-set scopes' members, then every scope's: the same table when no scope restricts rows.
            if by_attribute:
                eng.materialise(f"place_members_{side}", "scope_members_by_attribute",
                                inputs=side_inputs(side, "places"), attribute=by_attribute,
                                lo=places[0], hi=places[1])
            else:
                eng.materialise(f"place_members_{side}", "scope_members_defined",
                                inputs=side_inputs(side, "places") | defs_in)
            eng.drop(f"members_{side}")  # a view or a table, from an earlier prepare
            if has_rows and not by_attribute:
                eng.materialise(f"members_{side}", "scope_members_with_rows",
                                inputs=side_inputs(side, "place_members", "places") | defs_in)
            else:
                eng.register(f"members_{side}", eng.table(f"place_members_{side}"))
            # Place totals are summed for the scopes' places only.
            if self.rollup(side) is not None:  # from the ingest's rollup, not a scan of every place-day
                self.source_totals((side,))
                eng.materialise(f"place_totals_{side}", "agg_place_totals_of_sources",
                                inputs=side_inputs(side, "source_totals", "members"))
            else:
                eng.materialise(f"place_totals_{side}", "agg_place_totals",
                                inputs=side_inputs(side, "daily", "members"), **self.wparams)
            sd, sp = f"sd_{side}", f"sp_{side}"
            if has_places:
                labels = self.label_rollup(side) if by_attribute in LABEL_KINDS else None
                if labels is not None:  # one scope per category, region or brand: the ingest's daily sums
                    eng.register_parquet(f"label_daily_{side}", labels)
                    eng.materialise(sd, "agg_scope_date_labels", inputs=side_inputs(side, "label_daily") | defs_in,
                                    **self.wparams)
                else:
                    # One scope per place (by_attribute): join each place-day to its scope. Scopes defined by
                    # filters overlap (a place is in all, its category, its region, customers...): sum the
                    # places of each set of scopes together first.
                    daily = "agg_scope_date_places" if by_attribute else "agg_scope_date_signatures"
                    eng.materialise(sd, daily, inputs=side_inputs(side, "daily", "place_members") | defs_in,
                                    **self.wparams)
                eng.materialise(sp, "agg_scope_place_places",
                                inputs=side_inputs(side, "place_members", "place_totals", "places"))
            if has_rows:
                eng.materialise(sd, "agg_scope_date_rows", inputs=side_inputs(side, "visits") | defs_in,
                                append=has_places, **self.wparams)
                # Every place × source or segment scope: millions of groups for a big release, so one range
                # of places after another (halved when one runs out of memory).
                row_scopes = sum(d.kind in ROW_KINDS for d in self.defs)

                def place_sums(part: PlaceRange, first: bool, side: str = side, sp: str = sp) -> None:
                    eng.materialise(sp, "agg_scope_place_rows", inputs=side_inputs(side, "visits", "places") | defs_in,
                                    append=has_places or not first, lo=part[0], hi=part[1], **self.wparams)

                places_rel = f"places_{side}"
                each_range(eng, places_rel, place_ranges(eng, places_rel, row_scopes), place_sums)
        eng.materialise("daily_series", "series_daily", inputs={"scopes": "scopes", "sd_a": "sd_a", "sd_b": "sd_b"},
                        **self.wparams)
        eng.materialise("weekly_series", "series_weekly", inputs={"daily_series": "daily_series"}, **self.wparams)

    # ------------------------------------------------------------------- series
    def daily_series(self, scope_id: str) -> pd.DataFrame:
        """Both releases' daily totals of one prepared scope (date, current, candidate)."""
        return self.engine.run("series_daily_of_scope", inputs={"daily_series": "daily_series"},
                               scope_id=scope_id).df()

    def weekly_series(self, scope_id: str) -> pd.DataFrame:
        """Weekly totals and growth (%) of one prepared scope, whole ISO weeks of the window only."""
        return self.engine.run("series_weekly_of_scope", inputs={"weekly_series": "weekly_series"},
                               scope_id=scope_id).df()

    def brand_shares(self, scope_id: str) -> pd.DataFrame:
        return self.engine.run("series_brand_shares", inputs=SP, scope_id=scope_id).df()

    def place_deltas(self, scope_id: str) -> pd.DataFrame:
        """Every place of one prepared scope: window totals in both releases, delta, level change and
        status (both, added, dropped), biggest absolute deltas first."""
        inputs = SP | {"places_a": "places_a", "places_b": "places_b"}
        return self.engine.run("series_place_deltas", inputs=inputs, scope_id=scope_id).df()


#: The per-place scope totals of both sides, as most two-sided queries read them.
SP: dict[str, str] = {"sp_a": "sp_a", "sp_b": "sp_b"}
