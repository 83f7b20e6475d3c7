"""Scopes: the sets of places (and rows) a comparison is made over (DESIGN section 4).

A scope is written as a string: ``all``, ``customer:ID``, ``deal:ID``, ``category:NAME``,
``region:NAME``, ``brand:NAME``, ``place:ID``, ``source:NAME``, ``segment:NAME``. It is
resolved per release, with that release's places table, in SQL (``scope_members_*``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from dashboard.errors import NotFoundError, RelcheckError, suggest
from dashboard.stakeholders.model import Customer, Deal, Stakeholders

SCOPE_KINDS = ("all", "customer", "deal", "category", "region", "brand", "place", "source", "segment")
BY_KINDS = ("customer", "deal", "category", "region", "brand", "source", "segment", "place")
ROW_KINDS = ("source", "segment")  # scopes that restrict visit rows, not places
ATTRIBUTE_KINDS = ("category", "region", "brand", "place")
INDEPENDENT = "(independent)"


@dataclass(frozen=True)
class ScopeDef:
    """One scope, with the filters that resolve it against a places table."""

    kind: str
    value: str | None = None
    name: str = ""
    brands: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    place_ids: tuple[str, ...] = ()
    mode: str = ""
    info: dict[str, object] = field(default_factory=dict, compare=False, hash=False)

    @property
    def scope_id(self) -> str:
        return "all" if self.kind == "all" else f"{self.kind}:{self.value}"

    def __str__(self) -> str:
        return self.scope_id


def parse_scope(text: str) -> tuple[str, str | None]:
    """The one scope parser every command and page uses: ``all`` or ``KIND:VALUE``, anything else refused.

    ``all`` takes no value (``all:x`` is refused, not read as ``all``); an unknown kind gets a spelling hint.
    """
    text = (text or "").strip()
    if text == "all":
        return "all", None
    kind, sep, value = text.partition(":")
    if kind == "all":
        raise RelcheckError(f"bad scope '{text}': the scope all takes no value; write all")
    if not sep or kind not in SCOPE_KINDS or not value.strip():
        hint = suggest(kind, SCOPE_KINDS[1:]) if sep and kind not in SCOPE_KINDS else ""
        raise RelcheckError(
            f"bad scope '{text}'{hint}: write all, or KIND:VALUE with KIND one of {', '.join(SCOPE_KINDS[1:])} "
            "(e.g. customer:freshco, category:Grocery Stores, source:sdk_alpha)"
        )
    return kind, value


def customer_scope(c: Customer) -> ScopeDef:
    return ScopeDef(
        kind="customer", value=c.id, name=c.name, brands=tuple(c.brands) + tuple(c.competitors),
        regions=tuple(c.regions), place_ids=tuple(c.place_ids), mode="customer",
        info={"tier": c.tier, "own_brands": list(c.brands), "competitors": list(c.competitors)},
    )


def deal_scope(d: Deal) -> ScopeDef:
    return ScopeDef(
        kind="deal", value=d.id, name=d.prospect, brands=tuple(d.brands), regions=tuple(d.regions),
        categories=tuple(d.categories), place_ids=tuple(d.place_ids), mode="filter",
        info={"stage": d.stage, "owner": d.owner},
    )


def adhoc_scope(
    name: str,
    brands: Iterable[str] = (),
    categories: Iterable[str] = (),
    regions: Iterable[str] = (),
    place_ids: Iterable[str] = (),
) -> ScopeDef:
    """An ad-hoc scope from the Explore page: places matching every non-empty filter, plus place ids."""
    return ScopeDef(
        kind="adhoc", value=name, name=name, brands=tuple(brands), categories=tuple(categories),
        regions=tuple(regions), place_ids=tuple(place_ids), mode="filter",
    )


def simple_scope(kind: str, value: str | None = None, name: str | None = None) -> ScopeDef:
    """``all`` or one attribute value (category, region, brand, place, source, segment)."""
    if kind == "all":
        return ScopeDef(kind="all", value=None, name="All places", mode="all")
    return ScopeDef(kind=kind, value=value, name=name or str(value), mode=kind)


def resolve_scope(text: str, stakeholders: Stakeholders | None) -> ScopeDef:
    """A scope string to its definition; unknown customers and deals list what exists."""
    kind, value = parse_scope(text)
    if kind == "customer":
        if stakeholders is None:
            raise RelcheckError("a customer scope needs a stakeholders file (--stakeholders)")
        return customer_scope(stakeholders.customer(value or ""))
    if kind == "deal":
        if stakeholders is None:
            raise RelcheckError("a deal scope needs a stakeholders file (--stakeholders)")
        return deal_scope(stakeholders.deal(value or ""))
    return simple_scope(kind, value)


def stakeholder_scopes(kind: str, stakeholders: Stakeholders) -> list[ScopeDef]:
    if kind == "customer":
        return [customer_scope(c) for c in stakeholders.customers]
    if kind == "deal":
        return [deal_scope(d) for d in stakeholders.deals]
    raise ValueError(kind)


def defs_params(defs: Sequence[ScopeDef]) -> dict[str, list[Any]]:
    """The parameters of queries/scope_defs.sql: one list per column, one element per scope."""
    return {
        "def_ids": [d.scope_id for d in defs],
        "def_modes": [d.mode for d in defs],
        "def_values": [d.value for d in defs],
        "def_brands": [list(d.brands) for d in defs],
        "def_regions": [list(d.regions) for d in defs],
        "def_categories": [list(d.categories) for d in defs],
        "def_place_ids": [list(d.place_ids) for d in defs],
    }


def check_known_values(kind: str, value: str | None, known: Sequence[str]) -> None:
    """Refuse a category, region, brand, place, source or segment value present in neither release."""
    if value is not None and value not in known:
        shown = ", ".join(known[:30]) + (" …" if len(known) > 30 else "")
        raise NotFoundError(f"unknown {kind} '{value}' in either release{suggest(value, known)}; known: {shown}")


def check_scope(d: ScopeDef, values: Callable[[str], Sequence[str]]) -> None:
    """Refuse a value scope (category, region, brand, place, source, segment) whose value no release has.

    ``values(kind)``: the values present (e.g. ``PairSession.values``). Every command that takes ``--scope``
    calls this after :func:`resolve_scope`, so an unknown value is refused the same way everywhere instead of
    answering zeros.
    """
    if d.kind in ATTRIBUTE_KINDS or d.kind in ROW_KINDS:
        check_known_values(d.kind, d.value, values(d.kind))
