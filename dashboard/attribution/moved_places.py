"""The places that entered or left a scope between two releases, classified and named: new, no longer listed,
re-keyed (same place, new id), relabelled in or out (rows of ``queries/attr_changed_places.sql``).

The plain-words causes (:mod:`.plain`) name them; pure functions, no SQL here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: Places named per kind; the rest are counted.
MAX_PLACES = 3
#: Kinds of place change, in the order the sentence names them, and their words.
PLACE_KINDS: dict[str, str] = {
    "new": "new places",
    "removed": "places no longer listed",
    "rekeyed": "places re-keyed (same place, new id)",
    "moved_in": "places relabelled into the scope",
    "moved_out": "places relabelled out of the scope",
}


@dataclass(frozen=True)
class PlaceMove:
    """A place that entered or left the scope: ``kind`` one of :data:`PLACE_KINDS`, ``delta`` its signed visits
    (for a re-key, the new id's minus the old's), ``detail`` the other category of a relabel or the old id."""

    place_id: str
    name: str
    kind: str
    delta: float
    detail: str | None = None

    @property
    def text(self) -> str:
        extra = f", {'from' if self.kind == 'moved_in' else 'to'} {self.detail}" if (
            self.detail and self.kind in ("moved_in", "moved_out")) else ""
        return f"{self.name} ({self.delta:+,.0f} visits{extra})"

    def to_json(self) -> dict[str, Any]:
        return {"place_id": self.place_id, "name": self.name, "kind": self.kind, "delta": self.delta,
                "detail": self.detail}


def changed_places(rows: Iterable[Mapping[str, Any]]) -> tuple[PlaceMove, ...]:
    """Places that entered or left one scope (rows of ``attr_changed_places.sql``), classified.

    Added and listed in the current's places too: relabelled in; dropped and still listed in the candidate:
    relabelled out. An added place new to the places table and a dropped one gone from it with the same name,
    brand and region: one re-keyed place. Otherwise new, or no longer listed. Largest |delta| first.
    """
    added, dropped, out = [], [], []
    for r in rows:
        name = str(r.get("name") or r["place_id"])
        if r["status"] == "added":
            if r.get("in_current"):
                out.append(PlaceMove(r["place_id"], name, "moved_in", float(r["visits"]), r.get("category_current")))
            else:
                added.append(r)
        elif r.get("in_candidate"):
            out.append(PlaceMove(r["place_id"], name, "moved_out", -float(r["visits"]), r.get("category_candidate")))
        else:
            dropped.append(r)

    def key(r: Mapping[str, Any]) -> tuple[str, str, str]:
        return (str(r.get("name")), str(r.get("brand")), str(r.get("region")))

    gone: dict[tuple[str, str, str], list[Mapping[str, Any]]] = {}
    for r in dropped:
        gone.setdefault(key(r), []).append(r)
    for r in added:
        name = str(r.get("name") or r["place_id"])
        twins = gone.get(key(r)) if r.get("name") else None
        if twins:
            old = twins.pop(0)
            out.append(PlaceMove(r["place_id"], name, "rekeyed", float(r["visits"]) - float(old["visits"]),
                                 str(old["place_id"])))
        else:
            out.append(PlaceMove(r["place_id"], name, "new", float(r["visits"])))
    for rest in gone.values():
        out += [PlaceMove(r["place_id"], str(r.get("name") or r["place_id"]), "removed", -float(r["visits"]))
                for r in rest]
    out.sort(key=lambda p: (list(PLACE_KINDS).index(p.kind), -abs(p.delta), p.place_id))
    return tuple(out)


def places_text(places: Sequence[PlaceMove]) -> list[str]:
    """One phrase per kind of place change: its words, up to MAX_PLACES names, how many more."""
    out = []
    for kind, words in PLACE_KINDS.items():
        of_kind = [p for p in places if p.kind == kind]
        if not of_kind:
            continue
        named = ", ".join(p.text for p in of_kind[:MAX_PLACES])
        more = f" and {len(of_kind) - MAX_PLACES} more" if len(of_kind) > MAX_PLACES else ""
        out.append(f"{words}: {named}{more}")
    return out
