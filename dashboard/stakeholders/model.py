"""The stakeholders file (DESIGN section 4): customers, deals and their acceptance criteria.

The file is reviewed like code and drives the release gate, so a mistake in it must fail loudly at load
time (naming the file, the entry, the field and the rule) rather than silently exempt a customer from a
criterion. Everything here is pure Python: no Streamlit, no store access.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any, Literal

from dashboard import tomlfile
from dashboard.errors import ContractError, NotFoundError, quoted, suggest
from dashboard.metric_catalog import METRICS

ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")

TIERS: tuple[str, ...] = ("key", "standard")
STAGES: tuple[str, ...] = ("trial", "negotiation", "closing")
APPLIES_TO: tuple[str, ...] = ("customers", "deals", "categories", "regions", "all")
SEVERITIES: tuple[str, ...] = ("block", "warn")

#: Metrics a criterion may judge: the scalar ones of the catalogue (section 5).
JUDGEABLE_METRICS: tuple[str, ...] = tuple(name for name, info in METRICS.items() if info.judgeable)

TOP_LEVEL: tuple[str, ...] = ("customers", "deals", "criteria")

CUSTOMER_KEYS: tuple[str, ...] = ("id", "name", "tier", "brands", "competitors", "regions", "place_ids")
DEAL_KEYS: tuple[str, ...] = (
    "id",
    "prospect",
    "stage",
    "owner",
    "categories",
    "regions",
    "brands",
    "place_ids",
)
CRITERION_KEYS: tuple[str, ...] = ("name", "applies_to", "where", "metric", "min", "max", "severity")

#: Fields a criterion's `where` may filter on, per `applies_to`. Categories, regions and "all" have no
#: entry in the file, only a name, so they can be filtered by that name alone.
WHERE_FIELDS: dict[str, tuple[str, ...]] = {
    "customers": ("id", "name", "tier", "brands", "competitors", "regions"),
    "deals": ("id", "prospect", "stage", "owner", "categories", "regions", "brands"),
    "categories": ("id", "name"),
    "regions": ("id", "name"),
    "all": ("id", "name"),
}

Status = Literal["pass", "fail", "warn", "no_data"]
WhereValue = str | tuple[str, ...]


# ---------------------------------------------------------------------------------------------------------
# Data model
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Customer:
    """A customer whose comparisons must stay consistent; its scope is its brands and competitors."""

    id: str
    name: str
    tier: str = "standard"
    brands: tuple[str, ...] = ()
    competitors: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    place_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Deal:
    """An open sales deal: the prospect is evaluating the numbers of the places matching its filters."""

    id: str
    prospect: str
    stage: str
    owner: str | None = None
    categories: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    place_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Criterion:
    """One acceptance criterion: a bound on a metric, for the stakeholders `where` selects."""

    name: str
    applies_to: str
    where: dict[str, WhereValue] = field(hash=False)
    metric: str
    min: float | None = None
    max: float | None = None
    severity: str = "block"

    @property
    def op(self) -> Literal["min", "max", "between"]:
        """How the threshold reads, for scorecards: a floor, a ceiling or both."""
        if self.min is not None and self.max is not None:
            return "between"
        return "min" if self.min is not None else "max"

    @property
    def threshold(self) -> float | list[float]:
        """The bound as shown beside the value: a number, or [min, max] for "between"."""
        if self.op == "between":
            return [self.min, self.max]  # type: ignore[list-item]
        return self.min if self.min is not None else self.max  # type: ignore[return-value]

    def evaluate(self, value: float | None) -> Status:
        """Judge one metric value; a value that cannot be computed is no_data, never a silent pass.

        A value exactly at a bound passes (min: value >= min; max: value <= max).
        """
        if value is None:
            return "no_data"
        try:
            v = float(value)
        except (TypeError, ValueError):  # pandas NA and the like: not computed
            return "no_data"
        if math.isnan(v):
            return "no_data"
        ok = (self.min is None or v >= self.min) and (self.max is None or v <= self.max)
        if ok:
            return "pass"
        return "fail" if self.severity == "block" else "warn"

    def matches(self, entity: object) -> bool:
        """Whether the `where` filter selects this stakeholder (all conditions must hold).

        `entity` is a Customer, a Deal, a mapping of fields, or a plain string naming a category, region
        or "all" (it then serves as both `id` and `name`). A Customer only matches a criterion that
        applies to customers and a Deal one that applies to deals. For each condition, a string value
        matches a scalar field by equality and a list field by membership; a list value means "any of".
        A field the entity lacks (or that is None) never matches.
        """
        if isinstance(entity, Customer) and self.applies_to != "customers":
            return False
        if isinstance(entity, Deal) and self.applies_to != "deals":
            return False
        return all(_condition_holds(_field_of(entity, key), want) for key, want in self.where.items())


@dataclass(frozen=True)
class Stakeholders:
    """The parsed, validated file; `source` names it in messages and reports."""

    customers: tuple[Customer, ...]
    deals: tuple[Deal, ...]
    criteria: tuple[Criterion, ...]
    source: str

    def customer(self, id: str) -> Customer:
        """The customer with this id; an unknown id lists the ones that exist."""
        for c in self.customers:
            if c.id == id:
                return c
        raise NotFoundError(_not_found("customer", id, [c.id for c in self.customers], self.source))

    def deal(self, id: str) -> Deal:
        """The deal with this id; an unknown id lists the ones that exist."""
        for d in self.deals:
            if d.id == id:
                return d
        raise NotFoundError(_not_found("deal", id, [d.id for d in self.deals], self.source))

    def criterion(self, name: str) -> Criterion:
        """The criterion with this name; an unknown name lists the ones that exist."""
        for c in self.criteria:
            if c.name == name:
                return c
        raise NotFoundError(_not_found("criterion", name, [c.name for c in self.criteria], self.source))


def _not_found(kind: str, wanted: str, existing: Sequence[str], source: str) -> str:
    listed = ", ".join(existing) if existing else "(none)"
    return f"{source}: no {kind} {wanted!r}; existing: {listed}{suggest(wanted, existing)}"


def _field_of(entity: object, key: str) -> Any:
    if isinstance(entity, str):
        return entity if key in ("id", "name") else None
    if isinstance(entity, Mapping):
        return entity.get(key)
    return getattr(entity, key, None)


def _condition_holds(actual: Any, want: WhereValue) -> bool:
    wanted = {want} if isinstance(want, str) else set(want)
    if actual is None:
        return False
    if isinstance(actual, str):
        return actual in wanted
    if isinstance(actual, Iterable):
        return any(a in wanted for a in actual)
    return False


# ---------------------------------------------------------------------------------------------------------
# Loading and validation
# ---------------------------------------------------------------------------------------------------------


def load_stakeholders(path: str | Path) -> Stakeholders:
    """Read and validate a stakeholders file; any problem is a ContractError naming file and field."""
    return parse_stakeholders(tomlfile.read_text(path, "stakeholders file"), source=str(Path(path)))


def parse_stakeholders(text: str, source: str = "<string>") -> Stakeholders:
    """Parse and validate stakeholders TOML held in memory (tests, uploads, exported snippets)."""
    return _Validator(source).document(tomlfile.parse(text, source))


class _Validator:
    """Turns the TOML document into typed objects, stopping at the first broken rule."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, rule: str, where: str | None = None, examples: Sequence[object] = ()) -> ContractError:
        return ContractError(self.source, rule, field=where, examples=examples)

    # -- document ------------------------------------------------------------------------------------------

    def document(self, doc: dict[str, Any]) -> Stakeholders:
        for key in doc:
            if key not in TOP_LEVEL:
                raise self.fail(
                    f"unknown top-level table '{key}'; expected one of "
                    f"{', '.join(TOP_LEVEL)}{suggest(key, TOP_LEVEL)}",
                    key,
                )
        customers = tuple(self.customer(i, e) for i, e in enumerate(self.entries(doc, "customers")))
        deals = tuple(self.deal(i, e) for i, e in enumerate(self.entries(doc, "deals")))
        self.unique([c.id for c in customers], "customers", "id")
        self.unique([d.id for d in deals], "deals", "id")
        ids = {"customers": [c.id for c in customers], "deals": [d.id for d in deals]}
        criteria = tuple(self.criterion(i, e, ids) for i, e in enumerate(self.entries(doc, "criteria")))
        self.unique([c.name for c in criteria], "criteria", "name")
        return Stakeholders(customers, deals, criteria, self.source)

    def entries(self, doc: dict[str, Any], table: str) -> list[dict[str, Any]]:
        value = doc.get(table, [])
        if isinstance(value, dict):
            raise self.fail(f"'{table}' must be an array of tables: write [[{table}]], not [{table}]", table)
        if not isinstance(value, list):
            raise self.fail(f"'{table}' must be an array of tables ([[{table}]] blocks)", table)
        for i, entry in enumerate(value):
            if not isinstance(entry, dict):
                raise self.fail(
                    f"each entry must be a table, got {type(entry).__name__}", f"{table}[{i}]", [entry]
                )
        return value

    def unique(self, values: list[str], table: str, key: str) -> None:
        seen: dict[str, int] = {}
        for i, v in enumerate(values):
            if v in seen:
                raise self.fail(
                    f"duplicate {key} {quoted(v)}: already used by {table}[{seen[v]}]; {key}s must be unique "
                    f"within {table}",
                    f"{table}[{i}] ({key}={quoted(v)}).{key}",
                )
            seen[v] = i

    # -- entries -------------------------------------------------------------------------------------------

    def customer(self, i: int, e: dict[str, Any]) -> Customer:
        at = self.label("customers", i, e, "id")
        self.known_keys(e, CUSTOMER_KEYS, at)
        cid = self.ident(e, "id", at)
        name = self.text(e, "name", at)
        tier = self.choice(e, "tier", at, TIERS, default="standard")
        lists = {k: self.str_list(e, k, at) for k in ("brands", "competitors", "regions", "place_ids")}
        if not (lists["brands"] or lists["competitors"] or lists["place_ids"]):
            raise self.fail(
                "empty scope: a customer needs at least one of brands, competitors or place_ids",
                f"{at}.brands",
            )
        return Customer(
            id=cid,
            name=name,
            tier=tier,
            brands=lists["brands"],
            competitors=lists["competitors"],
            regions=lists["regions"],
            place_ids=lists["place_ids"],
        )

    def deal(self, i: int, e: dict[str, Any]) -> Deal:
        at = self.label("deals", i, e, "id")
        self.known_keys(e, DEAL_KEYS, at)
        did = self.ident(e, "id", at)
        prospect = self.text(e, "prospect", at)
        stage = self.choice(e, "stage", at, STAGES, default=None)
        owner = self.optional_text(e, "owner", at)
        lists = {k: self.str_list(e, k, at) for k in ("categories", "regions", "brands", "place_ids")}
        if not any(lists.values()):
            raise self.fail(
                "empty scope: a deal needs at least one non-empty filter among categories, regions, "
                "brands or place_ids",
                f"{at}.categories",
            )
        return Deal(
            id=did,
            prospect=prospect,
            stage=stage,
            owner=owner,
            categories=lists["categories"],
            regions=lists["regions"],
            brands=lists["brands"],
            place_ids=lists["place_ids"],
        )

    def criterion(self, i: int, e: dict[str, Any], ids: dict[str, list[str]]) -> Criterion:
        at = self.label("criteria", i, e, "name")
        self.known_keys(e, CRITERION_KEYS, at)
        name = self.text(e, "name", at)
        applies_to = self.choice(e, "applies_to", at, APPLIES_TO, default=None)
        metric = self.metric(e, at)
        severity = self.choice(e, "severity", at, SEVERITIES, default=None)
        lo = self.number(e, "min", at)
        hi = self.number(e, "max", at)
        if lo is None and hi is None:
            raise self.fail("a criterion needs a bound: set min, max or both", f"{at}.max")
        if lo is not None and hi is not None and lo > hi:
            raise self.fail(f"min ({lo:g}) is greater than max ({hi:g}); nothing could pass", f"{at}.min")
        where = self.where(e, at, applies_to, ids)
        return Criterion(
            name=name, applies_to=applies_to, metric=metric, severity=severity, where=where, min=lo, max=hi
        )

    # -- fields --------------------------------------------------------------------------------------------

    @staticmethod
    def label(table: str, i: int, e: dict[str, Any], key: str) -> str:
        """`customers[2] (id="freshco")`: the index (0-based) plus the entry's own id, when it has one."""
        v = e.get(key)
        return f"{table}[{i}] ({key}={quoted(v)})" if isinstance(v, str) and v else f"{table}[{i}]"

    def known_keys(self, e: dict[str, Any], known: Sequence[str], at: str) -> None:
        for key in e:
            if key not in known:
                raise self.fail(
                    f"unknown key '{key}'{suggest(key, known)}; known keys: {', '.join(known)}",
                    f"{at}.{key}",
                )

    def text(self, e: dict[str, Any], key: str, at: str) -> str:
        """A required, non-empty string field."""
        if key not in e:
            raise self.fail(f"required field '{key}' is missing", f"{at}.{key}")
        v = e[key]
        if not isinstance(v, str):
            raise self.fail(f"must be a string, got {type(v).__name__}", f"{at}.{key}", [v])
        if not v.strip():
            raise self.fail("must be a non-empty string", f"{at}.{key}", [v])
        return v

    def optional_text(self, e: dict[str, Any], key: str, at: str) -> str | None:
        return self.text(e, key, at) if key in e else None

    def ident(self, e: dict[str, Any], key: str, at: str) -> str:
        v = self.text(e, key, at)
        if not ID_RE.fullmatch(v):
            raise self.fail(
                f"invalid id {quoted(v)}: ids match [A-Za-z0-9][A-Za-z0-9._-]{{0,63}} (letters, digits, "
                "'.', '_', '-'; at most 64 characters; no spaces)",
                f"{at}.{key}",
            )
        return v

    def choice(
        self, e: dict[str, Any], key: str, at: str, allowed: Sequence[str], default: str | None
    ) -> str:
        """One of `allowed`; required unless a default is given."""
        if key not in e and default is not None:
            return default
        v = self.text(e, key, at)
        if v not in allowed:
            raise self.fail(
                f"{quoted(v)} is not one of {' | '.join(allowed)}{suggest(v, allowed)}", f"{at}.{key}"
            )
        return v

    def metric(self, e: dict[str, Any], at: str) -> str:
        v = self.text(e, "metric", at)
        if v in JUDGEABLE_METRICS:
            return v
        why = (
            f"metric {quoted(v)} is not judged by criteria (it is not a single number)"
            if v in METRICS
            else f"unknown metric {quoted(v)}{suggest(v, JUDGEABLE_METRICS)}"
        )
        raise self.fail(f"{why}; valid metrics: {', '.join(JUDGEABLE_METRICS)}", f"{at}.metric")

    def number(self, e: dict[str, Any], key: str, at: str) -> float | None:
        if key not in e:
            return None
        v = e[key]
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise self.fail(f"must be a number, got {type(v).__name__}", f"{at}.{key}", [v])
        if not math.isfinite(v):
            raise self.fail("must be a finite number (not nan or inf)", f"{at}.{key}", [v])
        return float(v)

    def str_list(self, e: dict[str, Any], key: str, at: str) -> tuple[str, ...]:
        if key not in e:
            return ()
        v = e[key]
        if not isinstance(v, list):
            hint = f' (write {key} = ["{v}"])' if isinstance(v, str) else ""
            raise self.fail(f"must be a list of strings, got {type(v).__name__}{hint}", f"{at}.{key}", [v])
        for j, item in enumerate(v):
            if not isinstance(item, str) or not item.strip():
                raise self.fail(
                    f"must be a list of non-empty strings; item {j} is {quoted(item)}", f"{at}.{key}", [item]
                )
        return tuple(v)

    def where(
        self, e: dict[str, Any], at: str, applies_to: str, ids: dict[str, list[str]]
    ) -> dict[str, WhereValue]:
        if "where" not in e:
            return {}
        raw = e["where"]
        if not isinstance(raw, dict):
            raise self.fail(
                f'must be a table such as {{ tier = "key" }}, got {type(raw).__name__}', f"{at}.where", [raw]
            )
        allowed = WHERE_FIELDS[applies_to]
        out: dict[str, WhereValue] = {}
        for key, v in raw.items():
            loc = f"{at}.where.{key}"
            if key not in allowed:
                raise self.fail(
                    f"'{key}' is not a field of {applies_to}{suggest(key, allowed)}; "
                    f"filterable fields: {', '.join(allowed)}",
                    loc,
                )
            if isinstance(v, str):
                values: tuple[str, ...] = (v,)
                out[key] = v
            elif isinstance(v, list) and v and all(isinstance(x, str) for x in v):
                values = tuple(v)
                out[key] = values
            else:
                raise self.fail("must be a string or a non-empty list of strings", loc, [v])
            self.where_values(key, values, applies_to, ids, loc)
        return out

    def where_values(
        self, key: str, values: tuple[str, ...], applies_to: str, ids: dict[str, list[str]], loc: str
    ) -> None:
        """Values that can never match are typos: a criterion that silently applies to nobody."""
        known: Sequence[str] | None = None
        if key == "tier" and applies_to == "customers":
            known = TIERS
        elif key == "stage" and applies_to == "deals":
            known = STAGES
        elif key == "id" and applies_to in ids:
            known = ids[applies_to]
        if known is None:
            return
        for v in values:
            if v not in known:
                listed = ", ".join(known) if known else "(none)"
                raise self.fail(
                    f"{quoted(v)} matches no {applies_to} {key}{suggest(v, known)}; existing: {listed}", loc
                )


# ---------------------------------------------------------------------------------------------------------
# Snippets (Explore export)
# ---------------------------------------------------------------------------------------------------------

_SNIPPET_KEYS: dict[str, tuple[str, ...]] = {"customer": CUSTOMER_KEYS, "deal": DEAL_KEYS}
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def toml_string(value: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped; other Unicode kept."""
    out = ['"']
    for ch in value:
        code = ord(ch)
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04X}")
        elif 0xD800 <= code <= 0xDFFF:
            raise ValueError(f"lone surrogate U+{code:04X} cannot be written to TOML")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _toml_value(value: object, where: str) -> str:
    if isinstance(value, str):
        try:
            return toml_string(value)
        except ValueError as exc:
            raise ContractError("<snippet>", str(exc), where) from None
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v, where) for v in value) + "]"
    raise ContractError("<snippet>", f"cannot write a {type(value).__name__} here; expected text", where)


def stakeholder_snippet(kind: Literal["customer", "deal"], **fields_: object) -> str:
    """A `[[customers]]` or `[[deals]]` block to paste into the stakeholders file.

    Fields set to None are left out; keys come in the file's documented order. The block is parsed back
    before it is returned, so what the dashboard offers for download is always valid (ContractError if not).
    """
    if kind not in _SNIPPET_KEYS:
        raise ValueError(f"kind must be 'customer' or 'deal', got {kind!r}")
    known = _SNIPPET_KEYS[kind]
    table = f"{kind}s"
    for key in fields_:
        if key not in known:
            raise ContractError(
                "<snippet>", f"unknown key '{key}'{suggest(key, known)}", f"{table}[0].{key}"
            )
    items = [(k, fields_[k]) for k in known if fields_.get(k) is not None]
    width = max((len(k) for k, _ in items), default=0)
    lines = [f"[[{table}]]"]
    lines += [f"{k.ljust(width)} = {_toml_value(v, f'{table}[0].{k}')}" for k, v in items]
    snippet = "\n".join(lines) + "\n"
    parse_stakeholders(snippet, source="<snippet>")
    return snippet


def as_dict(entity: Customer | Deal | Criterion) -> dict[str, Any]:
    """Plain dict of an entry (tuples as lists), for JSON exports and tables."""
    if not is_dataclass(entity):
        raise TypeError(f"not a stakeholders entry: {entity!r}")
    out: dict[str, Any] = {}
    for f in fields(entity):
        v = getattr(entity, f.name)
        if isinstance(v, tuple):
            v = list(v)
        elif isinstance(v, dict):
            v = {k: list(x) if isinstance(x, tuple) else x for k, x in v.items()}
        out[f.name] = v
    return out
