"""Configuration checks the gate makes before it judges anything: a check that checks nothing is an error.

Why: a customer whose brands or regions match no place in either release (a typo, a wrong capital letter)
would otherwise get ``no_data`` everywhere and let the gate pass. These are usage errors (exit 2) naming
the stakeholder, the field and the values that matched nothing, with a spelling hint.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from dashboard.engine.scopes import ScopeDef
from dashboard.errors import RelcheckError, quoted, suggest
from dashboard.stakeholders.model import Stakeholders

#: The stakeholder field each filter of a scope definition comes from, and the place attribute it matches.
_FIELDS: dict[str, tuple[tuple[str, str, str], ...]] = {
    # (ScopeDef attribute, field name in the stakeholders file, place attribute)
    "customer": (("brands", "brands/competitors", "brand"), ("regions", "regions", "region"),
                 ("place_ids", "place_ids", "place")),
    "deal": (("brands", "brands", "brand"), ("regions", "regions", "region"),
             ("categories", "categories", "category"), ("place_ids", "place_ids", "place")),
}


def require_criteria(stakeholders: Stakeholders) -> None:
    """A stakeholders file without criteria would pass every release: refuse it."""
    if not stakeholders.criteria:
        raise RelcheckError(
            f"{stakeholders.source}: no [[criteria]]: the gate would check nothing and pass; "
            "add at least one criterion (see sample_data/stakeholders.toml)"
        )


def _unmatched(d: ScopeDef, known: Callable[[str], Sequence[str]], hints: Callable[[str], Sequence[str]]) -> list[str]:
    """Per field of a stakeholder's scope, the values that match no place of either release."""
    problems = []
    for attr, label, kind in _FIELDS.get(d.kind, ()):
        values = getattr(d, attr)
        present = known(kind)
        missing = [v for v in values if v not in present]
        if missing:
            shown = ", ".join(f"{quoted(v)}{suggest(v, hints(kind))}" for v in missing)
            problems.append(f"field '{label}': {shown} matched nothing")
    return problems


def _resolves(d: ScopeDef, known: Callable[[str], Sequence[str]]) -> bool:
    """Whether the scope can have a member judging by values alone (the SQL rule, value by value)."""
    def any_known(attr: str, kind: str) -> bool:
        return any(v in known(kind) for v in getattr(d, attr))

    by_place = any_known("place_ids", "place")
    if d.kind == "customer":
        by_brand = any_known("brands", "brand") and (not d.regions or any_known("regions", "region"))
        return by_place or by_brand
    filters = [(a, k) for a, k in (("brands", "brand"), ("regions", "region"), ("categories", "category"))
               if getattr(d, a)]
    return by_place or (bool(filters) and all(any_known(a, k) for a, k in filters))


def check_stakeholder_scopes(
    defs: Sequence[ScopeDef], known: Callable[[str], Sequence[str]], source: str, pair: str,
    hints: Callable[[str], Sequence[str]] | None = None,
) -> None:
    """Refuse stakeholder scopes (customers, deals) that match no place in either release.

    ``known(kind)``: the values of a place attribute (brand, region, category, place) present in either
    release, or at least those of them the scopes name; ``hints(kind)`` (default ``known``): every value
    present, for the spelling hints of the message. Raises RelcheckError naming every such stakeholder,
    before anything is computed.
    """
    errors = []
    for d in defs:
        if d.kind in _FIELDS and not _resolves(d, known):
            detail = "; ".join(_unmatched(d, known, hints or known)) or "its filters together select no place"
            errors.append(f"{d.kind} {quoted(d.value)}: {detail}")
    if errors:
        raise RelcheckError(_message(errors, source, pair))


def check_places_found(
    defs: Sequence[ScopeDef], places: Mapping[str, tuple[int, int]], source: str, pair: str
) -> None:
    """Refuse stakeholder scopes whose values all exist but together select no place in either release."""
    errors = []
    for d in defs:
        if d.kind in _FIELDS and places.get(d.scope_id, (1, 1)) == (0, 0):
            fields = ", ".join(f"{label} {list(getattr(d, attr))}" for attr, label, _ in _FIELDS[d.kind]
                               if getattr(d, attr))
            errors.append(f"{d.kind} {quoted(d.value)}: no place has all of {fields or '(no filter)'}")
    if errors:
        raise RelcheckError(_message(errors, source, pair))


def _message(errors: list[str], source: str, pair: str) -> str:
    return (f"{source}: {len(errors)} stakeholder scope(s) match no place in either release ({pair}), "
            "so the gate cannot check them: " + " | ".join(errors)
            + "; fix the spelling in the stakeholders file or remove the stakeholder")
