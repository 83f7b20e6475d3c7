"""Reading and checking the stakeholders file: it drives the release gate, so a mistake fails at load time.

Every problem is a ContractError naming the file, the entry, the field and the rule, rather than a customer
silently exempted from a criterion. The field checks are shared with the chaos scenario file (:mod:`.fields`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dashboard import tomlfile
from dashboard.errors import quoted, suggest
from dashboard.metric_catalog import METRICS
from dashboard.stakeholders.fields import FieldChecks
from dashboard.stakeholders.model import (
    APPLIES_TO,
    JUDGEABLE_METRICS,
    NOISE_BOUNDS,
    SEVERITIES,
    STAGES,
    TIERS,
    Criterion,
    Customer,
    Deal,
    Stakeholders,
    WhereValue,
)

ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")

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
CRITERION_KEYS: tuple[str, ...] = (
    "name", "applies_to", "where", "metric", "min", "max", "threshold_noise", "severity",
)

#: Fields a criterion's `where` may filter on, per `applies_to`. Categories, regions and "all" have no
#: entry in the file, only a name, so they can be filtered by that name alone.
WHERE_FIELDS: dict[str, tuple[str, ...]] = {
    "customers": ("id", "name", "tier", "brands", "competitors", "regions"),
    "deals": ("id", "prospect", "stage", "owner", "categories", "regions", "brands"),
    "categories": ("id", "name"),
    "regions": ("id", "name"),
    "all": ("id", "name"),
}


def load_stakeholders(path: str | Path) -> Stakeholders:
    """Read and validate a stakeholders file; any problem is a ContractError naming file and field."""
    return parse_stakeholders(tomlfile.read_text(path, "stakeholders file"), source=str(Path(path)))


def parse_stakeholders(text: str, source: str = "<string>") -> Stakeholders:
    """Parse and validate stakeholders TOML held in memory (tests, uploads, exported snippets)."""
    return _Validator(source).document(tomlfile.parse(text, source))


class _Validator(FieldChecks):
    """Turns the TOML document into typed objects, stopping at the first broken rule."""

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
        k = self.number(e, "threshold_noise", at)
        if k is not None:
            self.noise_bound(k, lo, hi, metric, at)
            where = self.where(e, at, applies_to, ids)
            return Criterion(name=name, applies_to=applies_to, metric=metric, severity=severity, where=where,
                             threshold_noise=k)
        if lo is None and hi is None:
            raise self.fail("a criterion needs a bound: set min, max or both, or threshold_noise", f"{at}.max")
        if lo is not None and hi is not None and lo > hi:
            raise self.fail(f"min ({lo:g}) is greater than max ({hi:g}); nothing could pass", f"{at}.min")
        where = self.where(e, at, applies_to, ids)
        return Criterion(
            name=name, applies_to=applies_to, metric=metric, severity=severity, where=where, min=lo, max=hi
        )

    def noise_bound(self, k: float, lo: float | None, hi: float | None, metric: str, at: str) -> None:
        """``threshold_noise = k``: k times the scope's noise floor, alone, positive, on a change metric."""
        if lo is not None or hi is not None:
            given = ", ".join(f"{n} = {v:g}" for n, v in (("min", lo), ("max", hi)) if v is not None)
            raise self.fail(
                f"give either a fixed threshold (min/max) or threshold_noise, not both (found {given} and "
                f"threshold_noise = {k:g}); example: threshold_noise = 3 alone",
                f"{at}.threshold_noise",
            )
        if not k > 0:
            raise self.fail(f"threshold_noise must be a positive multiple of the noise floor, got {k:g}; "
                            "example: threshold_noise = 3", f"{at}.threshold_noise")
        if metric not in NOISE_BOUNDS:
            raise self.fail(
                f"metric {quoted(metric)} has no noise floor (it is a total, not a change); threshold_noise "
                f"applies to {', '.join(NOISE_BOUNDS)}; example: metric = \"level_change_pct\", threshold_noise = 3",
                f"{at}.threshold_noise",
            )

    # -- fields --------------------------------------------------------------------------------------------

    def ident(self, e: dict[str, Any], key: str, at: str) -> str:
        v = self.text(e, key, at)
        if not ID_RE.fullmatch(v):
            raise self.fail(
                f"invalid id {quoted(v)}: ids match [A-Za-z0-9][A-Za-z0-9._-]{{0,63}} (letters, digits, "
                "'.', '_', '-'; at most 64 characters; no spaces)",
                f"{at}.{key}",
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
