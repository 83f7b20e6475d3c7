"""Reading and checking a chaos scenario file: a typo must fail at load time, not perturb nothing.

Every problem is a ContractError naming the file, the scenario, the field and the rule; the field checks are
the stakeholders file's own (:mod:`dashboard.stakeholders.fields`), so both files fail the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from dashboard import tomlfile
from dashboard.chaos.scenario import (
    ALL_PERTURBATION_KEYS,
    KIND_KEYS,
    KINDS,
    MAX_CV,
    MAX_FACTOR,
    MAX_SHIFT_DAYS,
    REQUIRED_KEYS,
    Perturbation,
    Scenario,
)
from dashboard.errors import quoted, suggest
from dashboard.stakeholders.fields import FieldChecks

SCENARIO_KEYS: tuple[str, ...] = ("name", "description", "perturbations")
TOP_LEVEL: tuple[str, ...] = ("scenarios",)


def load_scenarios(path: str | Path) -> tuple[Scenario, ...]:
    """Read and validate a scenario file; any problem is a ContractError naming file, scenario, field, rule."""
    return parse_scenarios(tomlfile.read_text(path, "scenario file"), source=str(Path(path)))


def parse_scenarios(text: str, source: str = "<string>") -> tuple[Scenario, ...]:
    """Parse and validate scenario TOML held in memory (tests, the chaos page's editor)."""
    doc = tomlfile.parse(text, source)
    return _Validator(source).document(doc)


def scenario_from_dict(entry: Mapping[str, Any], source: str = "<scenario>") -> Scenario:
    """One scenario from a mapping shaped like a ``[[scenarios]]`` block (validated the same way)."""
    return _Validator(source).scenario(0, dict(entry))


class _Validator(FieldChecks):
    """Turns the TOML document into typed scenarios, stopping at the first broken rule."""

    def document(self, doc: dict[str, Any]) -> tuple[Scenario, ...]:
        for key in doc:
            if key not in TOP_LEVEL:
                raise self.fail(
                    f"unknown top-level key '{key}'{suggest(key, TOP_LEVEL)}; a scenario file holds "
                    "[[scenarios]] blocks",
                    key,
                )
        raw = doc.get("scenarios")
        if raw is None:
            raise self.fail("no scenarios: add at least one [[scenarios]] block", "scenarios")
        if not isinstance(raw, list):
            raise self.fail("'scenarios' must be an array of tables: write [[scenarios]]", "scenarios")
        out = [self.scenario(i, e) for i, e in enumerate(raw)]
        seen: dict[str, int] = {}
        for i, s in enumerate(out):
            if s.name in seen:
                raise self.fail(
                    f"duplicate name {quoted(s.name)}: already used by scenarios[{seen[s.name]}]; names must be unique",
                    f"scenarios[{i}] (name={quoted(s.name)}).name",
                )
            seen[s.name] = i
        return tuple(out)

    def scenario(self, i: int, e: object) -> Scenario:
        at = f"scenarios[{i}]"
        if not isinstance(e, dict):
            raise self.fail(f"each scenario must be a table, got {type(e).__name__}", at, [e])
        name = e.get("name")
        if isinstance(name, str) and name.strip():
            at = f"scenarios[{i}] (name={quoted(name)})"
        self.known_keys(e, SCENARIO_KEYS, at)
        if "name" not in e:
            raise self.fail("required field 'name' is missing", f"{at}.name")
        if not isinstance(name, str) or not name.strip():
            raise self.fail("must be a non-empty string", f"{at}.name", [name])
        description = e.get("description", "")
        if not isinstance(description, str):
            raise self.fail(f"must be a string, got {type(description).__name__}", f"{at}.description")
        raw = e.get("perturbations", [])
        if isinstance(raw, dict):
            raise self.fail(
                "'perturbations' must be an array of tables: write [[scenarios.perturbations]]",
                f"{at}.perturbations",
            )
        if not isinstance(raw, list):
            raise self.fail("'perturbations' must be an array of tables", f"{at}.perturbations")
        perts = tuple(self.perturbation(p, f"{at}.perturbations[{j}]") for j, p in enumerate(raw))
        return Scenario(name=name, perturbations=perts, description=description, origin=self.source)

    def perturbation_keys(self, e: dict[str, Any], kind: str, at: str) -> None:
        """Keys of one kind; a key of another kind says so rather than "unknown"."""
        known = ("kind", *KIND_KEYS[kind])
        for key in e:
            if key in known:
                continue
            if key in ALL_PERTURBATION_KEYS:
                raise self.fail(
                    f"key '{key}' does not apply to kind '{kind}'; {kind} takes: {', '.join(known)}",
                    f"{at}.{key}",
                )
            raise self.unknown_key(key, known, at, suggest_from=[*known, *ALL_PERTURBATION_KEYS])

    def perturbation(self, e: object, at: str) -> Perturbation:
        if not isinstance(e, dict):
            raise self.fail(f"each perturbation must be a table, got {type(e).__name__}", at, [e])
        if "kind" not in e:
            raise self.fail(f"required field 'kind' is missing; kinds: {', '.join(KINDS)}", f"{at}.kind")
        kind = e["kind"]
        if not isinstance(kind, str) or kind not in KINDS:
            hint = suggest(kind, KINDS) if isinstance(kind, str) else ""
            raise self.fail(f"unknown kind {quoted(kind)}{hint}; kinds: {', '.join(KINDS)}", f"{at}.kind")
        self.perturbation_keys(e, kind, at)
        for key in REQUIRED_KEYS[kind]:
            if key not in e:
                raise self.fail(f"required field '{key}' is missing for kind '{kind}'", f"{at}.{key}")
        p = Perturbation(
            kind=kind,
            source=self.optional_text(e, "source", at, list_hint=True),
            regions=self.str_list(e, "regions", at, show_item=False),
            start=self.date(e, "from", at),
            until=self.date(e, "until", at),
            date=self.date(e, "date", at),
            category=self.optional_text(e, "category", at, list_hint=True),
            brand=self.optional_text(e, "brand", at, list_hint=True),
        )
        if p.start and p.until and p.start > p.until:
            raise self.fail(f"'from' ({p.start}) is after 'until' ({p.until}); nothing would match", f"{at}.from")
        if kind == "scale_source":
            factor = self.number(e, "factor", at)
            if factor is None or factor <= 0:
                raise self.fail(
                    "factor must be > 0 (use kind = \"drop_source\" to remove a source)", f"{at}.factor", [factor]
                )
            if factor > MAX_FACTOR:
                raise self.fail(f"factor must be at most {MAX_FACTOR:g} (a plausibility limit)", f"{at}.factor",
                                [factor])
            p = replace(p, factor=factor)
        elif kind == "noise":
            cv = self.number(e, "cv", at)
            if cv is None or cv < 0 or cv > MAX_CV:
                raise self.fail(f"cv (coefficient of variation) must be between 0 and {MAX_CV:g} (a plausibility "
                                "limit)", f"{at}.cv", [cv])
            p = replace(p, cv=cv, seed=self.integer(e, "seed", at, default=0))
        elif kind == "shift_dates":
            days = self.integer(e, "days", at, default=1)
            if days == 0 or abs(days) > MAX_SHIFT_DAYS:
                raise self.fail(
                    f"days must be a non-zero integer between -{MAX_SHIFT_DAYS} and {MAX_SHIFT_DAYS} "
                    "(+1 moves every matching row one day later)",
                    f"{at}.days",
                    [days],
                )
            p = replace(p, days=days)
        elif kind == "drop_places" and (p.category is None) == (p.brand is None):
            raise self.fail("drop_places needs exactly one of 'category' or 'brand'", f"{at}.category")
        return p
