"""Virtual candidates: a stored release with a scenario's faults applied as lazy DuckDB views, nothing written.

Each perturbation is one view over the previous one (SQL in ``queries/chaos_*.sql``, every value, even the
chained views' names, a ``$named`` parameter); the result is a :class:`~dashboard.engine.session.Side` a
PairSession compares like a stored release. Scenarios are first checked against the release's names.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dashboard.chaos.scenario import Perturbation, Scenario
from dashboard.engine.place_ranges import PlaceRange, each_range, split_places
from dashboard.engine.session import Side
from dashboard.errors import ContractError, quoted, suggest
from dashboard.store import place_parts
from dashboard.store.catalog import Release, Store

if TYPE_CHECKING:
    from dashboard.sql.engine import Engine

_SUFFIX = re.compile(r"^[a-z0-9_]{1,16}$")
_FIRST = dt.date(1, 1, 1)
_LAST = dt.date(9999, 12, 31)


@dataclass(frozen=True)
class ReleaseNames:
    """What a release's scenarios may refer to."""

    sources: tuple[str, ...]
    regions: tuple[str, ...]
    categories: tuple[str, ...]
    brands: tuple[str, ...]
    first_date: dt.date | None
    last_date: dt.date | None


def release_names(store: Store, release_id: str) -> ReleaseNames:
    """Sources, regions, categories, brands and dates of a release (for checks and the page's pickers)."""
    rel = store.release(release_id)
    with store.cursor() as engine:
        name = "chaos_names_places"
        engine.register_parquet(name, rel.places_path)
        rows = engine.run("chaos_names", places=name).rows()
    by: dict[str, list[str]] = {"region": [], "category": [], "brand": []}
    for kind, value in rows:
        by[kind].append(value)
    return ReleaseNames(
        sources=tuple(rel.sources),
        regions=tuple(by["region"]),
        categories=tuple(by["category"]),
        brands=tuple(by["brand"]),
        first_date=dt.date.fromisoformat(rel.first_date) if rel.first_date else None,
        last_date=dt.date.fromisoformat(rel.last_date) if rel.last_date else None,
    )


def check_scenarios(store: Store, release_id: str, scenarios: Sequence[Scenario]) -> None:
    """Refuse scenarios that name a source, region, category or brand the release lacks, or dates outside it.

    A typo would otherwise make a scenario silently perturb nothing and report a robust release.
    """
    names = release_names(store, release_id)
    for i, s in enumerate(scenarios):
        for j, p in enumerate(s.perturbations):
            at = f"scenarios[{i}] (name={quoted(s.name)}).perturbations[{j}]"

            def unknown(key: str, value: str, known: Sequence[str], at: str = at, s: Scenario = s) -> None:
                if value not in known:
                    raise ContractError(
                        s.origin,
                        f"release '{release_id}' has no {key} {quoted(value)}{suggest(value, known)}; "
                        f"its {key}s: {', '.join(known) or '(none)'}",
                        field=f"{at}.{key}",
                    )

            if p.source is not None:
                unknown("source", p.source, names.sources)
            for r in p.regions:
                unknown("region", r, names.regions)
            if p.category is not None:
                unknown("category", p.category, names.categories)
            if p.brand is not None:
                unknown("brand", p.brand, names.brands)
            for key, d in (("date", p.date), ("from", p.start), ("until", p.until)):
                if d is None or names.first_date is None or names.last_date is None:
                    continue
                if not names.first_date <= d <= names.last_date:
                    raise ContractError(
                        s.origin,
                        f"{d.isoformat()} is outside release '{release_id}' "
                        f"({names.first_date.isoformat()}..{names.last_date.isoformat()}); nothing would change",
                        field=f"{at}.{key}",
                    )


def _selector(p: Perturbation, places: str) -> dict[str, object]:
    """The row selection shared by the row-level queries: source, regions, dates."""
    start, until = p.start or _FIRST, p.until or _LAST
    if p.date is not None:
        start = until = p.date
    return {
        "places": places,
        "source": p.source or "",
        "regions": list(p.regions),
        "start": start,
        "until": until,
    }


def register_scenario(
    engine: Engine, release: Release, perturbations: Sequence[Perturbation], suffix: str
) -> None:
    """Register ``visits_<suffix>``, ``places_<suffix>``, ``daily_<suffix>`` of a perturbed release on ``engine``.

    The stored Parquet is read through a chain of lazy views ``chaos_<suffix>_v0..vN`` (visits) and
    ``chaos_<suffix>_p0..pM`` (places), one per perturbation; views bind by name when they run, so each step
    gets a name of its own and reads the previous one through ``query_table($input)``.
    """
    if not _SUFFIX.match(suffix):
        raise ValueError(f"bad relation suffix {suffix!r}")
    v_name = f"chaos_{suffix}_v0"
    p_name = f"chaos_{suffix}_p0"
    base_places = p_name
    engine.register_parquet(v_name, release.visits_path)
    engine.register_parquet(p_name, release.places_path)
    for i, p in enumerate(perturbations, start=1):
        nxt = f"chaos_{suffix}_v{i}"
        if p.kind == "drop_places":
            kept = f"chaos_{suffix}_p{i}"
            engine.register(
                kept,
                engine.relation("chaos_places_keep", places=p_name, category=p.category or "", brand=p.brand or "",
                    regions=list(p.regions),
                ),
            )
            p_name = kept
            rel = engine.relation("chaos_visits_of_places", input=v_name, places=p_name)
        elif p.kind in ("drop_source", "lose_day"):
            rel = engine.relation("chaos_drop_rows", input=v_name, **_selector(p, base_places))
        elif p.kind == "scale_source":
            rel = engine.relation("chaos_scale_rows", input=v_name, factor=float(p.factor or 0.0), **_selector(p, base_places)
            )
        elif p.kind == "noise":
            cv = float(p.cv or 0.0)
            rel = engine.relation("chaos_noise", input=v_name, seed=int(p.seed), sigma=math.sqrt(math.log1p(cv * cv)),
                **_selector(p, base_places),
            )
        elif p.kind == "duplicate_day":
            rel = engine.relation("chaos_duplicate_rows", input=v_name, **_selector(p, base_places))
        elif p.kind == "shift_dates":
            rel = engine.relation("chaos_shift_dates", input=v_name, days=int(p.days), **_selector(p, base_places))
        else:  # pragma: no cover - the validator knows every kind
            raise ValueError(p.kind)
        engine.register(nxt, rel)
        v_name = nxt
    engine.register(f"visits_{suffix}", engine.table(v_name))
    engine.register(f"places_{suffix}", engine.table(p_name))
    # Its place-day sums are read by several queries: kept as a table, made range of places by range (a big
    # release has hundreds of millions of place-days), the ranges the ingest rolls its place_daily up in; a
    # range that runs out of memory is summed again in halves.
    daily = f"daily_{suffix}"
    engine.drop(daily)

    def sum_days(places: PlaceRange, first: bool) -> None:
        engine.materialise(daily, "chaos_daily", append=not first, input=v_name, lo=places[0], hi=places[1])

    each_range(engine, base_places, split_places(engine, base_places, place_parts.part_count(release.rows)), sum_days)


def scenario_label(release_id: str, scenario: Scenario) -> str:
    """How a virtual candidate is named in results: the release plus the scenario."""
    return f"{release_id} + chaos: {scenario.name}"


def scenario_side(store: Store, release_id: str, scenario: Scenario) -> Side:
    """A virtual candidate: the stored release with the scenario's perturbations applied, as lazy views.

    Nothing is written; ``Side.release`` is None (the side is not a stored release).
    """
    rel = store.release(release_id)
    perts = tuple(scenario.perturbations)
    return Side(
        scenario_label(release_id, scenario),
        None,
        lambda engine, suffix: register_scenario(engine, rel, perts, suffix),
    )
