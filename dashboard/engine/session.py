"""A comparison session: two releases registered on one cursor, their common window, scope aggregates.

Everything heavy runs in DuckDB over the stored Parquet (or over a virtual candidate's
views); Python only sees per-scope aggregates. Relations seen by SQL:

- ``visits_a/_b``, ``places_a/_b``, ``daily_a/_b``: the two releases (a = current, b = candidate)
- ``scope_defs``, ``scopes``: the scopes being compared
- ``members_a/_b`` (scope_id, place_id): each scope resolved with that release's places
- ``sd_a/_b`` (scope_id, date, visits, raw_visits): daily totals per scope over the window
- ``sp_a/_b`` (scope_id, place_id, brand, visits, raw_visits): window totals per member place
- ``source_totals_a/_b`` (place_id, source, segment, visits, raw_visits): window totals per place and source,
  on demand (:meth:`PairSession.source_totals`)
- ``daily_series``, ``weekly_series``: both releases side by side (see queries/series_*.sql)
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from dashboard.engine.scopes import ATTRIBUTE_KINDS, ROW_KINDS, ScopeDef, defs_table, simple_scope
from dashboard.errors import RelcheckError
from dashboard.sql import files as queries
from dashboard.store.catalog import Release, Store

Registrar = Callable[[duckdb.DuckDBPyConnection, str], None]
_IDENT = re.compile(r"^[a-z_]+$")


@dataclass(frozen=True)
class Side:
    """One side of a comparison: a stored release or a virtual one (a chaos scenario)."""

    label: str
    release: Release | None
    register: Registrar

    @staticmethod
    def stored(store: Store, release_id: str) -> Side:
        rel = store.release(release_id)
        return Side(rel.release_id, rel, lambda cur, suffix: store.register_release(cur, rel, suffix))


@dataclass(frozen=True)
class Window:
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def to_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


def fetch_dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    cols = [d[0] for d in cursor.description]
    return [dict(zip(cols, row, strict=True)) for row in cursor.fetchall()]


class PairSession:
    """Two releases on one private cursor. Not shared between threads: make one per request."""

    def __init__(self, store: Store, current: str | Side, candidate: str | Side) -> None:
        self.store = store
        self.a = current if isinstance(current, Side) else Side.stored(store, current)
        self.b = candidate if isinstance(candidate, Side) else Side.stored(store, candidate)
        self.cur = store.cursor()
        self._tables: set[str] = set()
        try:
            self.a.register(self.cur, "a")
            self.b.register(self.cur, "b")
            row = queries.run(self.cur, "pair_window").fetchall()[0]
            if row is None or row[0] is None or row[1] is None or row[0] > row[1]:
                raise RelcheckError(
                    f"releases '{self.a.label}' and '{self.b.label}' have no common dates; "
                    "pick a pair whose date ranges overlap (`relcheck releases` lists them)"
                )
        except BaseException:
            self.cur.close()
            raise
        self.window = Window(row[0], row[1])
        self.defs: list[ScopeDef] = []
        self._source_window: dict[str, Window] = {}
        self._aliased: dict[str, str] = {}  # side-neutral name -> the relation it points at

    # ------------------------------------------------------------------ plumbing
    def close(self) -> None:
        self.cur.close()

    def __enter__(self) -> PairSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def wparams(self) -> dict[str, dt.date]:
        return {"start": self.window.start, "end": self.window.end}

    def materialise(self, table: str, query: str, append: bool = False, **params: object) -> None:
        """Keep a query's result as a temp table of this cursor (private to the session)."""
        if not _IDENT.match(table):
            raise ValueError(table)
        q = queries.load(query)
        if frozenset(params) != q.params:
            raise TypeError(f"query {query}: parameters {sorted(params)} do not match {sorted(q.params)}")
        head = f"INSERT INTO {table} " if append else f"CREATE OR REPLACE TEMP TABLE {table} AS "
        self.cur.execute(head + q.sql, params or None)
        self._tables.add(table)

    def alias(self, side: str) -> None:
        """Point the side-neutral names (visits_x, places_x, ...) at one side.

        A name already pointing at that relation is left alone: the view resolves the relation by name when
        a query runs, so a table materialised again since is still what it shows (registering costs ~1 ms
        a name, and a comparison aliases a dozen times).
        """
        for base in ("visits", "places", "daily", "members", "place_totals", "source_totals"):
            name = f"{base}_{side}"
            if (base in ("visits", "places", "daily") or name in self._tables) and self._aliased.get(base) != name:
                self.cur.register(f"{base}_x", self.cur.table(name))
                self._aliased[base] = name

    def rollup(self, side: str) -> Path | None:
        """The side's per place and source rollup (place_source.parquet) when it holds exactly the window's sums.

        That is a stored release whose dates all lie in the window; None for a window that leaves out some
        of its dates, a virtual release (chaos) or a store ingested before the rollup existed.
        """
        rel = (self.a if side == "a" else self.b).release
        if (rel is not None and rel.first_date == self.window.start.isoformat()
                and rel.last_date == self.window.end.isoformat() and rel.place_source_path.is_file()):
            return rel.place_source_path
        return None

    def source_totals(self, sides: tuple[str, ...] = ("a", "b")) -> None:
        """Make ``source_totals_a/_b``: visits per place, source and segment over the window (exact sums).

        Read from the release's rollup where :meth:`rollup` allows it, else summed from its visits once per
        session. Call it before ``alias``: it points the side-neutral names at each side.
        """
        for side in sides:
            name = f"source_totals_{side}"
            if self._source_window.get(side) == self.window:
                continue
            if side in self._source_window:  # the window moved: drop the old totals (a view or a table)
                self.cur.unregister(name)
                self.cur.execute(f"DROP TABLE IF EXISTS {name}")
            path = self.rollup(side)
            if path is not None:
                self.cur.register(name, self.cur.read_parquet(str(path)))
                self._tables.add(name)
            else:
                self.alias(side)
                self.materialise(name, "agg_source_totals", **self.wparams)
            self._source_window[side] = self.window

    # ------------------------------------------------------------------- scopes
    def values(self, kind: str) -> list[str]:
        """Distinct values of a scope kind present in either release, sorted.

        Place attributes (category, region, brand with null as "(independent)", place) come from each
        release's places table; sources and segments from each release's visits.
        """
        if kind in ATTRIBUTE_KINDS:
            query = "scope_values"
        elif kind in ROW_KINDS:
            query = "scope_visit_values"
        else:
            raise ValueError(f"no values for scope kind {kind!r}")
        found: set[str] = set()
        for side in ("a", "b"):
            self.alias(side)
            found.update(r[0] for r in queries.run(self.cur, query, attribute=kind).fetchall() if r[0] is not None)
        return sorted(found)

    def place_names(self) -> dict[str, str]:
        """Place id to name, from the candidate's places table, else the current's."""
        names: dict[str, str] = {}
        for side in ("a", "b"):
            self.alias(side)
            names.update({pid: name for pid, name in queries.run(self.cur, "scope_place_names").fetchall() if name})
        return names

    def prepare(self, defs: Sequence[ScopeDef], by_attribute: str | None = None) -> None:
        """Resolve scopes per release and build the per-scope aggregates on this cursor.

        ``by_attribute`` (category, region, brand, place) groups every place by that attribute
        instead of joining against scope definitions (fast for one scope per place). Without
        ``defs`` it compares every value present in either release, so a value that exists in
        one release only (a relabelled category, a dropped place) still gets its scope.
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
        self.cur.register("scope_defs", defs_table(self.defs))
        self.cur.register("scopes", self.cur.sql("SELECT scope_id FROM scope_defs"))
        has_rows = any(d.kind in ROW_KINDS for d in self.defs)
        # Without any scope the place path still runs, over nothing, so every relation exists (empty).
        has_places = any(d.kind not in ROW_KINDS for d in self.defs) or not has_rows
        for side in ("a", "b"):
            self.alias(side)
            if by_attribute:
                self.materialise(f"members_{side}", "scope_members_by_attribute", attribute=by_attribute)
            else:
                self.materialise(f"members_{side}", "scope_members_defined")
            self.alias(side)  # members_x: place totals are summed for the scopes' places only
            if self.rollup(side) is not None:  # from the ingest's rollup, not a scan of every place-day
                self.source_totals((side,))
                self.alias(side)
                self.materialise(f"place_totals_{side}", "agg_place_totals_of_sources")
            else:
                self.materialise(f"place_totals_{side}", "agg_place_totals", **self.wparams)
            self.alias(side)
            sd, sp = f"sd_{side}", f"sp_{side}"
            if has_places:
                # One scope per place (by_attribute): join each place-day to its scope. Scopes defined by
                # filters overlap (a place is in all, its category, its region, customers...): sum the places
                # of each set of scopes together first.
                daily = "agg_scope_date_places" if by_attribute else "agg_scope_date_signatures"
                self.materialise(sd, daily, **self.wparams)
                self.materialise(sp, "agg_scope_place_places")
            if has_rows:
                self.materialise(sd, "agg_scope_date_rows", append=has_places, **self.wparams)
                self.materialise(sp, "agg_scope_place_rows", append=has_places, **self.wparams)
        self.materialise("daily_series", "series_daily", **self.wparams)
        self.materialise("weekly_series", "series_weekly", **self.wparams)

    # ------------------------------------------------------------------- series
    def daily_series(self, scope_id: str) -> pd.DataFrame:
        """Both releases' daily totals of one prepared scope (date, current, candidate)."""
        return queries.run(self.cur, "series_daily_of_scope", scope_id=scope_id).df()

    def weekly_series(self, scope_id: str) -> pd.DataFrame:
        """Weekly totals and growth (%) of one prepared scope, whole ISO weeks of the window only."""
        return queries.run(self.cur, "series_weekly_of_scope", scope_id=scope_id).df()

    def brand_shares(self, scope_id: str) -> pd.DataFrame:
        return queries.run(self.cur, "series_brand_shares", scope_id=scope_id).df()

    def place_deltas(self, scope_id: str) -> pd.DataFrame:
        """Every place of one prepared scope: window totals in both releases, delta, level change and
        status (both, added, dropped), biggest absolute deltas first."""
        return queries.run(self.cur, "series_place_deltas", scope_id=scope_id).df()
