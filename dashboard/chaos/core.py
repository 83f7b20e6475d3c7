"""Data chaos lab (DESIGN section 9): upstream faults as virtual candidates, judged by the gate's criteria.

A **scenario** perturbs a stored release the way upstream faults do: drop a source (everywhere, in some
regions, from a date), scale a source, add multiplicative noise with a seed, duplicate or lose a day, shift a
source's dates, drop the places of a category or brand. Nothing is written: :func:`scenario_side` registers
the perturbed release on a cursor as a chain of lazy DuckDB views over the stored Parquet, one view per
perturbation (``queries/chaos_*.sql``; every value, including the names of the chained views, travels as a
``$named`` parameter), and hands it to a :class:`~dashboard.comparison.PairSession` as the candidate
:class:`~dashboard.comparison.Side`.

:func:`run_chaos` runs every scenario against the unperturbed release through the release gate (the same
criteria logic as ``relcheck gate``, never recorded in the gate log) and builds the robustness matrix:
scenario × stakeholder → worst status, with the metric that breaks first. :func:`sensitivity` searches, per
stakeholder scope and criterion, the smallest fault of one family (scale a source by f, noise with a CV)
that breaks it, so teams see which criteria are too loose to notice an outage and which are so tight noise
trips them.

Scenario file (TOML, sample: ``sample_data/chaos.toml``)::

    [[scenarios]]
    name = "sdk_beta outage in W from mid-June"      # unique, non-empty
    description = "..."                                # optional
    [[scenarios.perturbations]]                        # applied in order
    kind = "drop_source"
    source = "sdk_beta"
    regions = ["W"]                                    # optional: only places of these regions
    from = 2026-06-15                                  # optional, inclusive (TOML date or "YYYY-MM-DD")
    until = 2026-06-30                                 # optional, inclusive

Kinds and their keys (``kind`` is always required):

=============== ======================================= ==========================================
kind            required                                optional
=============== ======================================= ==========================================
drop_source     source                                  regions, from, until
scale_source    source, factor (finite, > 0)            regions, from, until
noise           cv (finite, >= 0)                       seed (integer, default 0), source, regions,
                                                        from, until
duplicate_day   date                                    source, regions
lose_day        date                                    source, regions
shift_dates     --                                      source, regions, days (±1..±7, default +1)
drop_places     exactly one of category, brand          regions
=============== ======================================= ==========================================

Semantics: ``drop_source`` and ``lose_day`` remove rows; ``scale_source`` multiplies visits and raw visits
(rounded) of the matching rows; ``noise`` multiplies each matching row's visits by a lognormal factor with
mean 1 and the given coefficient of variation, deterministic per (seed, place_id, date, source, segment)
(``hash`` in DuckDB: the same seed gives identical results with the same DuckDB version) and leaves raw
visits alone; ``duplicate_day`` delivers the matching rows of that date twice; ``shift_dates`` moves the
matching rows' dates by ``days``; ``drop_places`` removes the places (and their visits) of a category or a
brand. A source left out means every source.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from dashboard import tomlfile
from dashboard.acceptance.gate import STATUS_RANK, CriterionResult, GateResult, evaluate_gate
from dashboard.engine.session import Side
from dashboard.errors import ContractError, RelcheckError, quoted, suggest
from dashboard.sql import files as queries
from dashboard.stakeholders.model import Stakeholders
from dashboard.store.catalog import Release, Store

KINDS: tuple[str, ...] = (
    "drop_source",
    "scale_source",
    "noise",
    "duplicate_day",
    "lose_day",
    "shift_dates",
    "drop_places",
)

#: Keys each kind accepts (besides ``kind``), and the ones it requires.
KIND_KEYS: dict[str, tuple[str, ...]] = {
    "drop_source": ("source", "regions", "from", "until"),
    "scale_source": ("source", "factor", "regions", "from", "until"),
    "noise": ("cv", "seed", "source", "regions", "from", "until"),
    "duplicate_day": ("date", "source", "regions"),
    "lose_day": ("date", "source", "regions"),
    "shift_dates": ("source", "days", "regions"),
    "drop_places": ("category", "brand", "regions"),
}
REQUIRED_KEYS: dict[str, tuple[str, ...]] = {
    "drop_source": ("source",),
    "scale_source": ("source", "factor"),
    "noise": ("cv",),
    "duplicate_day": ("date",),
    "lose_day": ("date",),
    "shift_dates": (),
    "drop_places": (),
}
ALL_PERTURBATION_KEYS: tuple[str, ...] = ("kind", *sorted({k for keys in KIND_KEYS.values() for k in keys}))
SCENARIO_KEYS: tuple[str, ...] = ("name", "description", "perturbations")
TOP_LEVEL: tuple[str, ...] = ("scenarios",)
MAX_SHIFT_DAYS = 7

#: Statuses that count as broken in the sensitivity search: a metric that cannot be computed any more
#: breaks a criterion as surely as one past its bound (the gate never passes it silently).
BROKEN: frozenset[str] = frozenset({"fail", "warn", "no_data"})

FAMILIES: tuple[str, ...] = ("scale_source", "noise")

_SUFFIX = re.compile(r"^[a-z0-9_]{1,16}$")
_FIRST = dt.date(1, 1, 1)
_LAST = dt.date(9999, 12, 31)

Progress = Callable[[str, int, int], None]


# ---------------------------------------------------------------------------------------------------------
# Scenarios
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Perturbation:
    """One upstream fault. Field names follow the file, except ``from`` which is ``start`` here."""

    kind: str
    source: str | None = None
    regions: tuple[str, ...] = ()
    start: dt.date | None = None
    until: dt.date | None = None
    factor: float | None = None
    cv: float | None = None
    seed: int = 0
    date: dt.date | None = None
    days: int = 1
    category: str | None = None
    brand: str | None = None

    def describe(self) -> str:
        """A one-line reading of the fault, for tables and the chaos page."""
        src = self.source or "every source"
        where = f" in {', '.join(self.regions)}" if self.regions else ""
        when = ""
        if self.start and self.until:
            when = f" from {self.start.isoformat()} to {self.until.isoformat()}"
        elif self.start:
            when = f" from {self.start.isoformat()}"
        elif self.until:
            when = f" until {self.until.isoformat()}"
        if self.kind == "drop_source":
            return f"drop {src}{where}{when}"
        if self.kind == "scale_source":
            return f"scale {src} by {self.factor:g}{where}{when}"
        if self.kind == "noise":
            return f"noise cv {self.cv:g} (seed {self.seed}) on {src}{where}{when}"
        if self.kind == "duplicate_day":
            return f"duplicate {self.date} of {src}{where}"
        if self.kind == "lose_day":
            return f"lose {self.date} of {src}{where}"
        if self.kind == "shift_dates":
            return f"shift dates of {src}{where} by {self.days:+d} day{'s' if abs(self.days) != 1 else ''}"
        target = f"category {self.category}" if self.category else f"brand {self.brand}"
        return f"drop the places of {target}{where}"

    def to_dict(self) -> dict[str, Any]:
        """The perturbation as written in a scenario file (dates as ISO strings)."""
        out: dict[str, Any] = {"kind": self.kind}
        values = {
            "source": self.source,
            "factor": self.factor,
            "cv": self.cv,
            "seed": self.seed if self.kind == "noise" else None,
            "date": self.date.isoformat() if self.date else None,
            "days": self.days if self.kind == "shift_dates" else None,
            "category": self.category,
            "brand": self.brand,
            "regions": list(self.regions) if self.regions else None,
            "from": self.start.isoformat() if self.start else None,
            "until": self.until.isoformat() if self.until else None,
        }
        for key in KIND_KEYS[self.kind]:
            if values.get(key) is not None:
                out[key] = values[key]
        return out


@dataclass(frozen=True)
class Scenario:
    """A named list of perturbations, applied in order; ``origin`` names the file it came from."""

    name: str
    perturbations: tuple[Perturbation, ...]
    description: str = ""
    origin: str = field(default="<scenarios>", compare=False)

    def describe(self) -> str:
        return "; ".join(p.describe() for p in self.perturbations) or "no perturbation (control)"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "perturbations": [p.to_dict() for p in self.perturbations],
        }


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


def select_scenarios(scenarios: Sequence[Scenario], names: Iterable[str]) -> tuple[Scenario, ...]:
    """The scenarios with these names, in the order asked; an unknown name lists what exists."""
    by_name = {s.name: s for s in scenarios}
    out = []
    for name in names:
        if name not in by_name:
            known = list(by_name)
            origin = scenarios[0].origin if scenarios else "<scenarios>"
            raise ContractError(
                origin,
                f"no scenario {name!r}{suggest(name, known)}; scenarios: {', '.join(known) or '(none)'}",
                field="scenario",
            )
        out.append(by_name[name])
    return tuple(out)


class _Validator:
    """Turns the TOML document into typed scenarios, stopping at the first broken rule."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, rule: str, where: str, examples: Sequence[object] = ()) -> ContractError:
        return ContractError(self.source, rule, field=where, examples=examples)

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

    def known_keys(self, e: dict[str, Any], known: Sequence[str], at: str, kind: str | None = None) -> None:
        for key in e:
            if key in known:
                continue
            if kind is not None and key in ALL_PERTURBATION_KEYS:
                raise self.fail(
                    f"key '{key}' does not apply to kind '{kind}'; {kind} takes: {', '.join(known)}",
                    f"{at}.{key}",
                )
            pool = known if kind is None else [*known, *ALL_PERTURBATION_KEYS]
            raise self.fail(
                f"unknown key '{key}'{suggest(key, pool)}; known keys: {', '.join(known)}", f"{at}.{key}"
            )

    def perturbation(self, e: object, at: str) -> Perturbation:
        if not isinstance(e, dict):
            raise self.fail(f"each perturbation must be a table, got {type(e).__name__}", at, [e])
        if "kind" not in e:
            raise self.fail(f"required field 'kind' is missing; kinds: {', '.join(KINDS)}", f"{at}.kind")
        kind = e["kind"]
        if not isinstance(kind, str) or kind not in KINDS:
            hint = suggest(kind, KINDS) if isinstance(kind, str) else ""
            raise self.fail(f"unknown kind {quoted(kind)}{hint}; kinds: {', '.join(KINDS)}", f"{at}.kind")
        self.known_keys(e, ("kind", *KIND_KEYS[kind]), at, kind=kind)
        for key in REQUIRED_KEYS[kind]:
            if key not in e:
                raise self.fail(f"required field '{key}' is missing for kind '{kind}'", f"{at}.{key}")
        p = Perturbation(
            kind=kind,
            source=self.text(e, "source", at),
            regions=self.str_list(e, "regions", at),
            start=self.date(e, "from", at),
            until=self.date(e, "until", at),
            date=self.date(e, "date", at),
            category=self.text(e, "category", at),
            brand=self.text(e, "brand", at),
        )
        if p.start and p.until and p.start > p.until:
            raise self.fail(f"'from' ({p.start}) is after 'until' ({p.until}); nothing would match", f"{at}.from")
        if kind == "scale_source":
            factor = self.number(e, "factor", at)
            if factor is None or factor <= 0:
                raise self.fail(
                    "factor must be > 0 (use kind = \"drop_source\" to remove a source)", f"{at}.factor", [factor]
                )
            p = replace(p, factor=factor)
        elif kind == "noise":
            cv = self.number(e, "cv", at)
            if cv is None or cv < 0:
                raise self.fail("cv (coefficient of variation) must be >= 0", f"{at}.cv", [cv])
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

    # -- fields --------------------------------------------------------------------------------------------

    def text(self, e: dict[str, Any], key: str, at: str) -> str | None:
        if key not in e:
            return None
        v = e[key]
        if not isinstance(v, str):
            hint = f' (write {key} = "{v[0]}")' if isinstance(v, list) and len(v) == 1 else ""
            raise self.fail(f"must be a string, got {type(v).__name__}{hint}", f"{at}.{key}", [v])
        if not v.strip():
            raise self.fail("must be a non-empty string", f"{at}.{key}", [v])
        return v

    def str_list(self, e: dict[str, Any], key: str, at: str) -> tuple[str, ...]:
        if key not in e:
            return ()
        v = e[key]
        if not isinstance(v, list):
            hint = f' (write {key} = ["{v}"])' if isinstance(v, str) else ""
            raise self.fail(f"must be a list of strings, got {type(v).__name__}{hint}", f"{at}.{key}", [v])
        for j, item in enumerate(v):
            if not isinstance(item, str) or not item.strip():
                raise self.fail(f"must be a list of non-empty strings; item {j} is {quoted(item)}", f"{at}.{key}")
        return tuple(v)

    def date(self, e: dict[str, Any], key: str, at: str) -> dt.date | None:
        if key not in e:
            return None
        v = e[key]
        if isinstance(v, dt.datetime):
            raise self.fail("must be a date such as 2026-06-15, not a date and time", f"{at}.{key}", [v])
        if isinstance(v, dt.date):
            return v
        if isinstance(v, str):
            try:
                return dt.date.fromisoformat(v)
            except ValueError:
                pass
        raise self.fail("must be a date such as 2026-06-15 (TOML date or \"YYYY-MM-DD\")", f"{at}.{key}", [v])

    def number(self, e: dict[str, Any], key: str, at: str) -> float | None:
        if key not in e:
            return None
        v = e[key]
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise self.fail(f"must be a number, got {type(v).__name__}", f"{at}.{key}", [v])
        if not math.isfinite(v):
            raise self.fail("must be a finite number (not nan or inf)", f"{at}.{key}", [v])
        return float(v)

    def integer(self, e: dict[str, Any], key: str, at: str, default: int) -> int:
        if key not in e:
            return default
        v = e[key]
        if isinstance(v, bool) or not isinstance(v, int):
            raise self.fail(f"must be an integer, got {type(v).__name__}", f"{at}.{key}", [v])
        return v


# ---------------------------------------------------------------------------------------------------------
# Checking scenarios against a release
# ---------------------------------------------------------------------------------------------------------


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
    cur = store.cursor()
    try:
        name = "chaos_names_places"
        cur.register(name, cur.read_parquet(str(rel.places_path)))
        rows = queries.run(cur, "chaos_names", places=name).fetchall()
    finally:
        cur.close()
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


# ---------------------------------------------------------------------------------------------------------
# Virtual candidates
# ---------------------------------------------------------------------------------------------------------


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
    cur: duckdb.DuckDBPyConnection, release: Release, perturbations: Sequence[Perturbation], suffix: str
) -> None:
    """Register ``visits_<suffix>``, ``places_<suffix>``, ``daily_<suffix>`` of a perturbed release on ``cur``.

    The stored Parquet is read through a chain of lazy views ``chaos_<suffix>_v0..vN`` (visits) and
    ``chaos_<suffix>_p0..pM`` (places), one per perturbation; views bind by name when they run, so each step
    gets a name of its own and reads the previous one through ``query_table($input)``.
    """
    if not _SUFFIX.match(suffix):
        raise ValueError(f"bad relation suffix {suffix!r}")
    v_name = f"chaos_{suffix}_v0"
    p_name = f"chaos_{suffix}_p0"
    base_places = p_name
    cur.register(v_name, cur.read_parquet(str(release.visits_path)))
    cur.register(p_name, cur.read_parquet(str(release.places_path)))
    for i, p in enumerate(perturbations, start=1):
        nxt = f"chaos_{suffix}_v{i}"
        if p.kind == "drop_places":
            kept = f"chaos_{suffix}_p{i}"
            cur.register(
                kept,
                queries.relation(
                    cur, "chaos_places_keep", places=p_name, category=p.category or "", brand=p.brand or "",
                    regions=list(p.regions),
                ),
            )
            p_name = kept
            rel = queries.relation(cur, "chaos_visits_of_places", input=v_name, places=p_name)
        elif p.kind in ("drop_source", "lose_day"):
            rel = queries.relation(cur, "chaos_drop_rows", input=v_name, **_selector(p, base_places))
        elif p.kind == "scale_source":
            rel = queries.relation(
                cur, "chaos_scale_rows", input=v_name, factor=float(p.factor or 0.0), **_selector(p, base_places)
            )
        elif p.kind == "noise":
            cv = float(p.cv or 0.0)
            rel = queries.relation(
                cur, "chaos_noise", input=v_name, seed=int(p.seed), sigma=math.sqrt(math.log1p(cv * cv)),
                **_selector(p, base_places),
            )
        elif p.kind == "duplicate_day":
            rel = queries.relation(cur, "chaos_duplicate_rows", input=v_name, **_selector(p, base_places))
        elif p.kind == "shift_dates":
            rel = queries.relation(cur, "chaos_shift_dates", input=v_name, days=int(p.days), **_selector(p, base_places))
        else:  # pragma: no cover - the validator knows every kind
            raise ValueError(p.kind)
        cur.register(nxt, rel)
        v_name = nxt
    cur.register(f"visits_{suffix}", cur.table(v_name))
    cur.register(f"places_{suffix}", cur.table(p_name))
    cur.register(f"daily_{suffix}", queries.relation(cur, "chaos_daily", input=v_name))


def scenario_label(release_id: str, scenario: Scenario) -> str:
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
        lambda cur, suffix: register_scenario(cur, rel, perts, suffix),
    )


# ---------------------------------------------------------------------------------------------------------
# Judging a virtual candidate with the gate's criteria
# ---------------------------------------------------------------------------------------------------------


def judge(store: Store, release_id: str, side: Side, stakeholders: Stakeholders) -> GateResult:
    """The gate on the pair (stored release → virtual candidate): never recorded, no cause attribution."""
    return evaluate_gate(store, release_id, side, stakeholders, attribute=False)


def violation(result: CriterionResult) -> float | None:
    """How far past its bound a failing (fail or warn) result is, normalised: distance ÷ |bound|
    (÷ 1 for a bound of 0), so bounds in different units compare. None when it holds or has no value."""
    if result.outcome not in ("fail", "warn") or not isinstance(result.value, int | float):
        return None
    v = float(result.value)
    t = result.threshold
    lo, hi = (t[0], t[1]) if isinstance(t, list | tuple) else ((t, None) if result.op == "min" else (None, t))
    worst = 0.0
    if lo is not None and v < lo:
        worst = max(worst, (lo - v) / (abs(lo) if lo != 0 else 1.0))
    if hi is not None and v > hi:
        worst = max(worst, (v - hi) / (abs(hi) if hi != 0 else 1.0))
    return worst


def worst_status(statuses: Iterable[str]) -> str:
    """The worst of some statuses (fail > warn > no_data > waived > pass, as the gate ranks them)."""
    return min(statuses, key=lambda s: STATUS_RANK.get(s, len(STATUS_RANK)), default="pass")


def result_json(result: CriterionResult) -> dict[str, Any]:
    """The documented per-result shape of ``relcheck chaos --format json``."""
    return {"scope": result.scope, "criterion": result.criterion, "metric": result.metric,
            "value": result.value, "status": result.status}


def first_break(results: Sequence[CriterionResult]) -> CriterionResult | None:
    """The criterion that breaks first for one stakeholder scope (its results in stakeholders-file order).

    The one behind the scope's worst status: among its fail results (else its warn results) the one with the
    largest normalised violation (:func:`violation`: the distance past the bound ÷ |bound|), ties going to the
    first in the stakeholders file; when nothing fails or warns, the first in file order whose metric has no
    data; None when every criterion passes (or is waived).
    """
    for status in ("fail", "warn"):
        broken = [r for r in results if r.status == status]
        if broken:
            return min(broken, key=lambda r: -(violation(r) or 0.0))  # min keeps the first of equals
    return next((r for r in results if r.status == "no_data"), None)


@dataclass(frozen=True)
class ScenarioResult:
    """One scenario run as a virtual candidate against the unperturbed release.

    ``gate`` is the full gate result (window, every scope's metrics in ``gate.scope_metrics``) for drill-down.
    """

    scenario: Scenario
    gate: GateResult

    @property
    def name(self) -> str:
        return self.scenario.name

    @property
    def verdict(self) -> str:
        return self.gate.verdict

    @property
    def results(self) -> tuple[CriterionResult, ...]:
        return self.gate.results

    @property
    def counts(self) -> dict[str, int]:
        return dict(self.gate.counts)

    def scopes(self) -> list[str]:
        """The stakeholder scopes judged, in the order their first result came."""
        return list(dict.fromkeys(r.scope for r in self.results))

    def of_scope(self, scope: str) -> list[CriterionResult]:
        return [r for r in self.results if r.scope == scope]

    def worst(self, scope: str) -> str:
        return worst_status(r.status for r in self.of_scope(scope))

    def breaks(self) -> list[CriterionResult]:
        """Per stakeholder scope that does not pass, the criterion that breaks first (:func:`first_break`)."""
        out = []
        for scope in self.scopes():
            b = first_break(self.of_scope(scope))
            if b is not None:
                out.append(b)
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "verdict": self.verdict,
            "results": [result_json(r) for r in self.results],
            "breaks": [{"scope": b.scope, "criterion": b.criterion, "metric": b.metric} for b in self.breaks()],
        }


@dataclass(frozen=True)
class ChaosResult:
    """Every scenario's verdict and criteria, and the robustness matrix scenario × stakeholder."""

    release: str
    scenarios: tuple[ScenarioResult, ...]

    def stakeholders(self) -> list[str]:
        """Every stakeholder scope any scenario judged (customers, deals, categories, regions, all)."""
        return list(dict.fromkeys(scope for s in self.scenarios for scope in s.scopes()))

    def matrix(self) -> list[dict[str, Any]]:
        """Long form: one row per scenario and stakeholder scope, its worst status and the metric that
        breaks first (None when every criterion passes)."""
        rows = []
        for s in self.scenarios:
            breaks = {b.scope: b for b in s.breaks()}
            for scope in self.stakeholders():
                b = breaks.get(scope)
                rows.append({
                    "scenario": s.name,
                    "scope": scope,
                    "status": s.worst(scope) if s.of_scope(scope) else None,
                    "criterion": b.criterion if b else None,
                    "metric": b.metric if b else None,
                })
        return rows

    def matrix_frame(self) -> pd.DataFrame:
        """The matrix as a table: one row per scenario, one column per stakeholder scope, worst status."""
        cols = self.stakeholders()
        data = {
            s.name: {scope: (s.worst(scope) if s.of_scope(scope) else None) for scope in cols}
            for s in self.scenarios
        }
        return pd.DataFrame.from_dict(data, orient="index", columns=cols).rename_axis("scenario")

    def results_frame(self) -> pd.DataFrame:
        """Every criterion result of every scenario, long form (for downloads and drill-down)."""
        rows = [{"scenario": s.name, **result_json(r), "severity": r.severity, "violation": violation(r)}
                for s in self.scenarios for r in s.results]
        cols = ["scenario", "scope", "criterion", "metric", "value", "status", "severity", "violation"]
        return pd.DataFrame(rows, columns=cols)

    def by_name(self, name: str) -> ScenarioResult:
        for s in self.scenarios:
            if s.name == name:
                return s
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        return {
            "release": self.release,
            "scenarios": [s.to_json() for s in self.scenarios],
            "matrix": self.matrix(),
        }


def run_scenario(
    store: Store, release_id: str, scenario: Scenario, stakeholders: Stakeholders
) -> ScenarioResult:
    """One scenario as a virtual candidate against the unperturbed release, judged by the gate's criteria."""
    return ScenarioResult(scenario, judge(store, release_id, scenario_side(store, release_id, scenario), stakeholders))


def run_chaos(
    store: Store,
    release_id: str,
    scenarios: Sequence[Scenario],
    stakeholders: Stakeholders,
    progress: Progress | None = None,
) -> ChaosResult:
    """Run every scenario against the unperturbed release ``release_id``.

    Scenarios are checked against the release first (:func:`check_scenarios`), so a misspelt source or region
    is an error rather than a scenario that changes nothing. Gate runs of scenarios are never recorded.
    """
    check_scenarios(store, release_id, scenarios)
    out = []
    for i, s in enumerate(scenarios):
        if progress:
            progress(s.name, i, len(scenarios))
        out.append(run_scenario(store, release_id, s, stakeholders))
    if progress:
        progress("done", len(scenarios), len(scenarios))
    return ChaosResult(release_id, tuple(out))


# ---------------------------------------------------------------------------------------------------------
# Sensitivity: the smallest fault that breaks each criterion
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SensitivityResult:
    """For one stakeholder scope and criterion: the smallest fault of a family that breaks it.

    ``outcome`` is one of:

    - ``breaks``: it holds at the smallest fault and breaks at the largest; ``breaks_at`` is the parameter
      (factor or cv) of the smallest fault found to break it and ``holds_at`` that of the largest fault found
      to hold, less than ``tol`` apart (assuming the status is monotonic in the fault);
    - ``never_breaks``: it still holds at the largest fault of the range (too loose to notice it);
    - ``breaks_at_smallest``: it breaks even at the smallest fault of the range (so tight a trace of the
      fault, or noise, trips it); ``breaks_at`` is that smallest fault;
    - ``no_data``: its metric cannot be computed even at the smallest fault, so the fault cannot be judged.
    """

    scope: str
    criterion: str
    metric: str
    severity: str
    family: str
    parameter: str
    outcome: str
    breaks_at: float | None
    holds_at: float | None
    status: str | None
    value: Any

    @property
    def fault(self) -> float | None:
        """The size of the breaking fault: share of the source lost (1 − factor), or the noise cv."""
        if self.breaks_at is None:
            return None
        return 1.0 - self.breaks_at if self.parameter == "factor" else self.breaks_at

    def to_dict(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "criterion": self.criterion,
            "metric": self.metric,
            "severity": self.severity,
            "family": self.family,
            "parameter": self.parameter,
            "outcome": self.outcome,
            "breaks_at": self.breaks_at,
            "holds_at": self.holds_at,
            "fault": self.fault,
            "status": self.status,
            "value": self.value,
        }


@dataclass(frozen=True)
class _Family:
    parameter: str
    smallest: float  # parameter value of the smallest fault
    largest: float  # parameter value of the largest fault
    make: Callable[[float], Perturbation]

    def at(self, t: float) -> float:
        """Parameter value at fault coordinate t in [0, 1] (0 = smallest fault)."""
        return self.smallest * (1.0 - t) + self.largest * t  # exact at both ends


def _family(
    family: str, source: str | None, regions: Sequence[str], lo: float, hi: float, seed: int
) -> _Family:
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo > hi:
        raise RelcheckError(f"bad range [{lo}, {hi}]: lo and hi must be finite numbers with lo <= hi")
    regs = tuple(regions)
    if family == "scale_source":
        if not source:
            raise RelcheckError("the scale_source family needs a source (--source)")
        if lo < 0 or hi > 1:
            raise RelcheckError(f"scale factors must lie in [0, 1] (1 = no fault); got [{lo}, {hi}]")
        return _Family("factor", hi, lo, lambda f: Perturbation("scale_source", source=source, regions=regs, factor=f))
    if family == "noise":
        if lo < 0:
            raise RelcheckError(f"a noise cv must be >= 0; got [{lo}, {hi}]")
        return _Family(
            "cv", lo, hi, lambda c: Perturbation("noise", source=source, regions=regs, cv=c, seed=seed)
        )
    raise RelcheckError(f"unknown family {family!r}{suggest(family, FAMILIES)}; families: {', '.join(FAMILIES)}")


def margin(result: CriterionResult) -> float | None:
    """Signed distance of a result's value inside its bound(s): > 0 holds, < 0 broken; None without a value."""
    if not isinstance(result.value, int | float) or isinstance(result.value, bool):
        return None
    v = float(result.value)
    if not math.isfinite(v):
        return None
    t = result.threshold
    if isinstance(t, list | tuple):
        return min(v - float(t[0]), float(t[1]) - v)
    return v - float(t) if result.op == "min" else float(t) - v


def narrowed(stakeholders: Stakeholders, keys: Iterable[tuple[str, str]]) -> Stakeholders:
    """The stakeholders file cut down to some (scope, criterion) pairs, for cheaper gate runs.

    Each kept criterion's ``where`` becomes ``id in [the scopes' ids]``: the gate's own selection (already
    applied when the pairs were found) narrowed to those scopes; the gate still does all the judging.
    """
    wanted: dict[str, list[str]] = {}
    for scope, criterion in keys:
        wanted.setdefault(criterion, []).append(scope.partition(":")[2] if ":" in scope else scope)
    crits = tuple(
        replace(c, where={"id": tuple(dict.fromkeys(wanted[c.name]))})
        for c in stakeholders.criteria if c.name in wanted
    )
    return replace(stakeholders, criteria=crits)


@dataclass
class _Bracket:
    hold: float  # fault coordinate where the criterion holds
    hold_margin: float | None
    brk: float  # fault coordinate where it breaks
    brk_margin: float | None
    bisect: bool = False  # interpolation did not pay off last time: bisect next

    @property
    def width(self) -> float:
        return self.brk - self.hold


def sensitivity(
    store: Store,
    release_id: str,
    stakeholders: Stakeholders,
    family: str = "scale_source",
    source: str | None = None,
    regions: Sequence[str] | None = None,
    lo: float = 0.0,
    hi: float = 1.0,
    tol: float = 1e-3,
    seed: int = 0,
    progress: Progress | None = None,
) -> list[SensitivityResult]:
    """For each stakeholder scope and criterion, the smallest fault of ``family`` that breaks it.

    Families: ``scale_source`` scales ``source`` (in ``regions``, if given) by a factor f in [lo, hi], the
    smallest fault being f = hi (1 = none) and the largest f = lo (0 = an outage); ``noise`` adds noise with
    cv in [lo, hi] (seed ``seed``; every source unless ``source`` is given), smallest fault cv = lo.

    The gate judges every criterion at the smallest and the largest fault. Each criterion that holds at one
    end and breaks (fail, warn or no_data) at the other gets a bracket [holds, breaks], narrowed until it is
    at most ``tol`` wide, assuming the status is monotonic in the fault. The search is a safeguarded
    bisection: the next probe is where the metric's distance to its bound interpolates to zero, straddled by
    two probes ``tol`` apart (a metric linear in the fault, such as a level change, closes in one round);
    when a round does not halve the bracket, the next one bisects. Each probe runs the gate only on the
    criteria and scopes still open there (:func:`narrowed`), and updates every bracket it falls in.
    """
    if not (tol > 0 and math.isfinite(tol)):
        raise RelcheckError(f"tol must be a positive number; got {tol}")
    fam = _family(family, source, regions or (), lo, hi, seed)
    probe = Scenario(name=f"{family} probe", perturbations=(fam.make(fam.at(0.0)),), origin="<sensitivity>")
    check_scenarios(store, release_id, [probe])
    span = abs(fam.largest - fam.smallest)
    step = min(tol / span, 1.0) if span > 0 else 1.0
    cache: dict[float, dict[tuple[str, str], CriterionResult]] = {}
    brackets: dict[tuple[str, str], _Bracket] = {}

    def run(t: float, only: Sequence[tuple[str, str]] | None = None) -> dict[tuple[str, str], CriterionResult]:
        people = stakeholders if only is None else narrowed(stakeholders, only)
        if progress:
            open_ = sum(1 for b in brackets.values() if b.width > step)
            progress(f"{fam.parameter} = {fam.at(t):.6g} ({open_} open)", len(cache), len(cache) + max(open_, 1))
        scenario = Scenario(name=f"{family} {fam.parameter}={fam.at(t):g}",
                            perturbations=(fam.make(fam.at(t)),), origin="<sensitivity>")
        gate = judge(store, release_id, scenario_side(store, release_id, scenario), people)
        got = {(r.scope, r.criterion): r for r in gate.results}
        cache.setdefault(t, {}).update(got)
        return got

    first, last = run(0.0), run(1.0)
    for key, r in first.items():
        end = last.get(key)
        if r.status not in BROKEN and end is not None and end.status in BROKEN:
            brackets[key] = _Bracket(0.0, margin(r), 1.0, margin(end))

    def probe_at(t: float) -> None:
        inside = [k for k, b in brackets.items() if b.hold < t < b.brk and b.width > step]
        if not inside:
            return
        got = run(t, inside)
        for k in inside:
            r, b = got.get(k), brackets[k]
            if r is None:
                continue
            if r.status in BROKEN:
                b.brk, b.brk_margin = t, margin(r)
            else:
                b.hold, b.hold_margin = t, margin(r)

    while True:
        open_keys = [k for k, b in brackets.items() if b.width > step]
        if not open_keys:
            break
        key = max(open_keys, key=lambda k: brackets[k].width)
        b = brackets[key]
        before = b.width
        mh, mb = b.hold_margin, b.brk_margin
        if not b.bisect and mh is not None and mb is not None and mh > 0 > mb:
            root = b.hold + b.width * mh / (mh - mb)
            lo_t = min(max(root - 0.45 * step, b.hold + step / 4), b.brk - step / 4)
            hi_t = max(min(root + 0.45 * step, b.brk - step / 4), b.hold + step / 4)
            for t in dict.fromkeys((lo_t, hi_t)):
                probe_at(t)
            b.bisect = b.width > before / 2
        else:
            probe_at((b.hold + b.brk) / 2)
            b.bisect = False
    out = []
    for key, r in first.items():
        if key in brackets:
            bk = brackets[key]
            at = cache[bk.brk][key]
            outcome, breaks_at, holds_at = "breaks", fam.at(bk.brk), fam.at(bk.hold)
        elif r.status in BROKEN:
            at = r
            outcome = "no_data" if r.status == "no_data" else "breaks_at_smallest"
            breaks_at, holds_at = (None if outcome == "no_data" else fam.at(0.0)), None
        else:
            at = last.get(key, r)
            outcome, breaks_at, holds_at = "never_breaks", None, fam.at(1.0)
        out.append(SensitivityResult(
            scope=r.scope, criterion=r.criterion, metric=r.metric, severity=r.severity, family=family,
            parameter=fam.parameter, outcome=outcome, breaks_at=breaks_at, holds_at=holds_at,
            status=at.status if outcome in ("breaks", "breaks_at_smallest") else r.status,
            value=at.value,
        ))
    if progress:
        progress("done", len(cache), len(cache))
    return out
