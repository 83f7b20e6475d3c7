"""The places directory: places as people know them (name, brand, city), not by their opaque ids.

Why: a sales engineer checking a prospect's stores knows "FreshCo Elm Street, Boston", never
``zz3-hkp@fcn-mpz-r37``. The Explore page lists places with :func:`place_label` and narrows them by brand
and city with :func:`filter_places`; both are pure, :func:`place_directory` reads the releases.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dashboard.engine.scopes import INDEPENDENT
from dashboard.engine.session import side_inputs
from dashboard.store.catalog import Store

NO_CITY = "(no city)"


@dataclass(frozen=True)
class Place:
    """One place of the directory; attributes from the newest release that has it."""

    place_id: str
    name: str
    brand: str | None
    city: str | None
    category: str
    region: str

    @property
    def brand_label(self) -> str:
        return self.brand or INDEPENDENT

    @property
    def city_label(self) -> str:
        return self.city or NO_CITY


def place_label(place: Place) -> str:
    """"Name — brand, city" (the region when the city is unknown): what a picker shows for a place."""
    where = place.city or place.region
    name = place.name or place.place_id
    return f"{name} — {place.brand_label}, {where}"


#: The most places the Explore page's picker offers at once: a pair with more (a big release has millions)
#: offers only the places of the brands and cities it is narrowed to, and at most this many of them.
PICKER_MAX = 10_000


def directory_size(store: Store, release_ids: Sequence[str]) -> int:
    """About how many places the releases hold (the biggest one's count, from the catalog: no query)."""
    return max((store.release(rid).places for rid in release_ids), default=0)


def place_directory(
    store: Store,
    release_ids: Sequence[str],
    brands: Sequence[str] = (),
    cities: Sequence[str] = (),
    limit: int | None = None,
    picked: Sequence[str] = (),
) -> list[Place]:
    """The places of the releases, later releases' attributes winning, sorted by label then id.

    ``release_ids`` in order, e.g. (current, candidate): a place relabelled by the candidate shows as the
    candidate names it; a place only in the current release is still listed. ``brands`` and ``cities``
    narrow it as :func:`filter_places` does, in the engine, and ``limit`` keeps at most that many of them
    per release (by id); the places ``picked`` names by label or id (a link's choices) come back whatever
    the narrowing.
    """
    ids = [pid for pid in map(labelled_id, picked) if pid] + list(picked)
    params = {"brands": list(brands), "cities": list(cities), "independent": INDEPENDENT, "no_city": NO_CITY,
              "limit": limit if limit is not None else 2**62, "labels": list(picked), "ids": ids}
    found: dict[str, Place] = {}
    with store.cursor() as engine:
        for rid in dict.fromkeys(release_ids):
            store.register_release(engine, store.release(rid), "a")
            for row in engine.run("place_directory", inputs=side_inputs("a", "places"), **params).dicts():
                found[row["place_id"]] = Place(**row)
    return sorted(found.values(), key=lambda p: (place_label(p).casefold(), p.place_id))


def directory_filters(store: Store, release_ids: Sequence[str]) -> tuple[list[str], list[str]]:
    """The brand and city labels of the releases' places (what the picker is narrowed by), each sorted."""
    by: dict[str, set[str]] = {"brand": set(), "city": set()}
    with store.cursor() as engine:
        for rid in dict.fromkeys(release_ids):
            store.register_release(engine, store.release(rid), "a")
            for kind, value in engine.run("place_directory_filters", inputs=side_inputs("a", "places"),
                                          independent=INDEPENDENT, no_city=NO_CITY).rows():
                by[kind].add(value)
    return sorted(by["brand"]), sorted(by["city"])


def filter_places(
    places: Iterable[Place], brands: Iterable[str] = (), cities: Iterable[str] = ()
) -> list[Place]:
    """The places of any of ``brands`` (independent places as "(independent)") in any of ``cities``.

    An empty filter keeps everything, as the pickers read: no brand chosen means every brand.
    """
    want_b, want_c = set(brands), set(cities)
    return [
        p for p in places
        if (not want_b or p.brand_label in want_b) and (not want_c or p.city_label in want_c)
    ]


def labelled_id(text: str) -> str | None:
    """The place id a label of :func:`labels` carries in its " (id)" suffix, if it has one."""
    _, sep, tail = text.rpartition(" (")
    return tail[:-1] if sep and text.endswith(")") else None


def labels(places: Iterable[Place]) -> dict[str, str]:
    """Place id to label; two places with the same label get their id appended, so every label is unique."""
    items = list(places)
    seen: dict[str, int] = {}
    for p in items:
        seen[place_label(p)] = seen.get(place_label(p), 0) + 1
    return {
        p.place_id: place_label(p) + (f" ({p.place_id})" if seen[place_label(p)] > 1 else "")
        for p in items
    }
