"""Chaos scenarios (DESIGN section 9): named lists of upstream faults to apply to a stored release.

The typed model every other chaos module shares; reading the scenario file is :mod:`.scenario_file`,
applying a scenario to a release :mod:`.candidate`.

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
scale_source    source, factor (0 < factor <= 100)      regions, from, until
noise           cv (0 <= cv <= 10)                      seed (integer, default 0), source, regions,
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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from dashboard.errors import ContractError, suggest

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
MAX_SHIFT_DAYS = 7
#: Plausibility limits: a scenario beyond them models no real fault, and its sums can overflow (a factor near
#: the float maximum turned every metric into infinity and crashed the JSON output).
MAX_FACTOR = 100.0
MAX_CV = 10.0


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
        """The faults in one line, in order ("no perturbation (control)" when there are none)."""
        return "; ".join(p.describe() for p in self.perturbations) or "no perturbation (control)"

    def to_dict(self) -> dict[str, Any]:
        """The scenario as a ``[[scenarios]]`` block reads (the page's editor round-trips it)."""
        return {
            "name": self.name,
            "description": self.description,
            "perturbations": [p.to_dict() for p in self.perturbations],
        }


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
