"""The sensitivity search: per stakeholder scope and criterion, the smallest fault of one family that breaks it.

Shows which criteria are too loose to notice an outage and which are so tight that noise trips them; a
safeguarded bisection over the fault size, each probe judged by the gate like any scenario.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from dashboard.acceptance.gate import CriterionResult
from dashboard.chaos.candidate import check_scenarios, scenario_side
from dashboard.chaos.robustness import Progress, judge
from dashboard.chaos.scenario import Perturbation, Scenario
from dashboard.errors import RelcheckError, suggest
from dashboard.stakeholders.model import Stakeholders
from dashboard.store.catalog import Store

#: Statuses at which a criterion no longer holds under a fault: a metric that cannot be computed any more
#: breaks a criterion as surely as one past its bound (the gate never passes it silently). Not the gate's
#: ``BROKEN`` (fail and warn: the outcomes a sign-off may waive).
NOT_HOLDING: frozenset[str] = frozenset({"fail", "warn", "no_data"})

FAMILIES: tuple[str, ...] = ("scale_source", "noise")


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


#: Most fragile first: the outcomes in the order a reader scans them.
_OUTCOME_ORDER = {"breaks_at_smallest": 0, "breaks": 0, "never_breaks": 1, "no_data": 2}


def fault_order(r: SensitivityResult) -> tuple[int, float, int, str, str]:
    """Sort key, most fragile first: by the size of the breaking fault (a fail before a warn at the same
    size), then the criteria that never break in the range, then those that cannot be judged."""
    fault = r.fault if r.fault is not None and math.isfinite(r.fault) else math.inf
    return (_OUTCOME_ORDER.get(r.outcome, 3), fault, 0 if r.status == "fail" else 1, r.scope, r.criterion)


def margin(result: CriterionResult) -> float | None:
    """Signed distance of a result's value inside its bound(s): > 0 holds, < 0 broken; None without a value."""
    if not isinstance(result.value, int | float) or isinstance(result.value, bool):
        return None
    v = float(result.value)
    if not math.isfinite(v):
        return None
    t = result.threshold
    if t is None:  # a noise-relative bound whose noise floor is unknown
        return None
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

    The results come most fragile first (:func:`fault_order`): the smallest breaking fault leads.
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
        if r.status not in NOT_HOLDING and end is not None and end.status in NOT_HOLDING:
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
            if r.status in NOT_HOLDING:
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
        elif r.status in NOT_HOLDING:
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
    return sorted(out, key=fault_order)
