"""Fragility orderings: which stakeholders break first under a fault, and which suffer most across scenarios.

Why: "at what fault size does each customer break?" is read top-down; an alphabetical list hides the one
customer a 3 % outage already hurts among thirty that survive anything. The sensitivity sweep
(:mod:`.sensitivity`) answers per criterion; :func:`first_breaks` folds that per stakeholder (the smallest
fault at which any of its criteria breaks) and orders them; :func:`stakeholders_by_fragility` and
:func:`scenarios_by_harm` order the robustness matrix's rows and columns. All pure.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dashboard.acceptance.status import RANK
from dashboard.chaos.sensitivity import SensitivityResult, fault_order
from dashboard.engine.session import side_inputs
from dashboard.store.catalog import Store

#: How a stakeholder fares under the swept fault, most fragile first.
OUTCOMES: tuple[str, ...] = ("breaks_at_smallest", "breaks", "never_breaks", "no_data")


@dataclass(frozen=True)
class StakeholderBreak:
    """One stakeholder under a swept fault: the smallest fault size at which any of its criteria breaks.

    ``fault`` is the share of the source lost (scale_source) or the noise cv; None when nothing breaks in the
    range (``never_breaks``) or nothing can be judged (``no_data``). ``criterion``, ``metric`` and ``status``
    are those of the criterion that breaks first; ``criteria`` counts the criteria judged on it, ``broken``
    those that break somewhere in the range.
    """

    scope: str
    outcome: str
    fault: float | None
    criterion: str | None
    metric: str | None
    status: str | None
    severity: str | None
    criteria: int
    broken: int

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def first_breaks(results: Iterable[SensitivityResult]) -> list[StakeholderBreak]:
    """Per stakeholder scope, its first breaking criterion; most fragile (smallest fault) first.

    Ties on the fault keep a fail before a warn; stakeholders that never break come after those that do,
    those that cannot be judged last; names break the remaining ties.
    """
    per: dict[str, list[SensitivityResult]] = {}
    for r in results:
        per.setdefault(r.scope, []).append(r)
    out = []
    for scope, rs in per.items():
        ranked = sorted(rs, key=fault_order)
        first = ranked[0]
        broke = [r for r in rs if r.fault is not None]
        if broke:
            outcome = "breaks_at_smallest" if first.outcome == "breaks_at_smallest" else "breaks"
        else:
            outcome = "never_breaks" if any(r.outcome == "never_breaks" for r in rs) else "no_data"
        shown = first if broke else None
        out.append(StakeholderBreak(
            scope=scope, outcome=outcome, fault=first.fault if broke else None,
            criterion=shown.criterion if shown else None, metric=shown.metric if shown else None,
            status=shown.status if shown else None, severity=shown.severity if shown else None,
            criteria=len(rs), broken=len(broke),
        ))
    return sorted(out, key=_break_key)


def _break_key(b: StakeholderBreak) -> tuple[int, float, int, str]:
    fault = b.fault if b.fault is not None and math.isfinite(b.fault) else math.inf
    group = 0 if b.fault is not None else (1 if b.outcome == "never_breaks" else 2)
    return (group, fault, RANK.get(str(b.status), 9), b.scope)


def _harm(statuses: Iterable[str | None]) -> tuple[int, ...]:
    """Counts of fail, warn and no_data among some statuses, negated so that more harm sorts first."""
    seen = [s for s in statuses if s is not None]
    return (-seen.count("fail"), -seen.count("warn"), -seen.count("no_data"))


def stakeholders_by_fragility(matrix: Sequence[Mapping[str, Any]]) -> list[str]:
    """The robustness matrix's stakeholders, most fragile first: broken (fail, then warn, then no data) by
    the most scenarios; ties keep the matrix's own order (customers, deals, categories, regions, all)."""
    order = list(dict.fromkeys(row["scope"] for row in matrix))
    statuses: dict[str, list[str | None]] = {s: [] for s in order}
    for row in matrix:
        statuses[row["scope"]].append(row["status"])
    return sorted(order, key=lambda s: (*_harm(statuses[s]), order.index(s)))


def scenarios_by_harm(matrix: Sequence[Mapping[str, Any]]) -> list[str]:
    """The matrix's scenarios, the one that breaks the most stakeholders first (ties in file order)."""
    order = list(dict.fromkeys(row["scenario"] for row in matrix))
    statuses: dict[str, list[str | None]] = {s: [] for s in order}
    for row in matrix:
        statuses[row["scenario"]].append(row["status"])
    return sorted(order, key=lambda s: (*_harm(statuses[s]), order.index(s)))


def sources_by_volume(store: Store, release_id: str) -> list[tuple[str, float]]:
    """(source, visits) of one release, the largest first: the outage people ask about is the biggest feed's."""
    with store.cursor() as engine:
        store.register_release(engine, store.release(release_id), "a")
        rows = engine.run("source_volumes", inputs=side_inputs("a", "visits")).rows()
    return [(str(source), float(visits)) for source, visits in rows]
