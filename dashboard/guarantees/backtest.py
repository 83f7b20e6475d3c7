"""History backtest: how one criterion on one scope would have fared on every past release pair.

The pairs are the consecutive releases of kind "release" in the store, ordered by ``created_at`` (then
ingest order); optionally also the chaos scenarios applied to the current release. Each pair is compared
like any other (one :class:`~dashboard.engine.session.PairSession`, the scope resolved per release) and
judged by :func:`~dashboard.acceptance.criteria.judge`, exactly as the gate would.

The noise floor of a backtest is the scope's, for one release: the store's current release when it has
replicates, else the newest release of kind "release" that has some, else the current release with the
Poisson fallback (:mod:`dashboard.engine.noise`). A noise-relative criterion is resolved with it on every
pair. Suggested thresholds: :mod:`.suggest`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from dashboard.acceptance.criteria import judge
from dashboard.acceptance.status import Status
from dashboard.chaos.candidate import scenario_side
from dashboard.chaos.scenario import Scenario
from dashboard.engine import metrics
from dashboard.engine.noise import NoiseFloor, noise_floors, replicates_of
from dashboard.engine.scopes import ScopeDef
from dashboard.engine.session import PairSession, Side
from dashboard.errors import RelcheckError
from dashboard.guarantees import suggest
from dashboard.metric_catalog import METRICS, finite_number
from dashboard.stakeholders.model import NOISE_BOUNDS, Criterion
from dashboard.store.catalog import Store

DEFAULT_SHARE = 0.8
NOISE_MULTIPLE = 3.0
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class PairValue:
    """One past pair (or chaos scenario): the metric's value and the criterion's status on it."""

    current: str
    candidate: str
    value: float | None
    status: str
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"current": self.current, "candidate": self.candidate, "value": self.value, "status": self.status}


@dataclass(frozen=True)
class Backtest:
    """A criterion over the release history of one scope, with the thresholds history and noise allow."""

    scope: ScopeDef
    criterion: Criterion
    share: float
    pairs: tuple[PairValue, ...]
    noise_floor: NoiseFloor
    by_history: float | None
    by_noise: float | None
    chaos: tuple[PairValue, ...] | None = None

    @property
    def metric(self) -> str:
        return self.criterion.metric

    @property
    def op(self) -> str:
        return self.criterion.op

    @property
    def neutral(self) -> float:
        return NOISE_BOUNDS.get(self.metric, (0.0, "max"))[0]

    @property
    def pass_rate(self) -> float | None:
        """Share of the past pairs on which the criterion passed (no data counts as not passing)."""
        if not self.pairs:
            return None
        return sum(p.status == Status.PASS for p in self.pairs) / len(self.pairs)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "scope": self.scope.scope_id,
            "pairs": [p.to_json() for p in self.pairs],
            "pass_rate": self.pass_rate,
            "noise_floor": self.noise_floor.to_json(),
            "suggested": {"by_history": self.by_history, "by_noise": self.by_noise},
        }
        if self.chaos is not None:
            out["chaos"] = [p.to_json() for p in self.chaos]
        return out


def _instant(created_at: str) -> dt.datetime:
    t = dt.datetime.fromisoformat(created_at.replace("Z", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def release_history(store: Store) -> list[str]:
    """The releases of kind "release", oldest first (by created_at, then ingest order)."""
    rels = [r for r in store.releases() if r.kind == "release"]
    return [r.release_id for r in sorted(rels, key=lambda r: (_instant(r.created_at), r.sequence))]


def history_pairs(store: Store, ids: list[str] | None = None) -> list[tuple[str, str]]:
    """Every consecutive pair of the release history: (older, newer). ``ids``: that history, if already read."""
    ids = release_history(store) if ids is None else ids
    return list(zip(ids, ids[1:], strict=False))


def noise_base(store: Store) -> str:
    """The release whose noise floor a backtest uses (see the module's docstring)."""
    current = store.current_id()
    if replicates_of(store, current):
        return current
    for rid in reversed(release_history(store)):
        if replicates_of(store, rid):
            return rid
    return current


def default_criterion(metric: str, multiple: float = NOISE_MULTIPLE) -> Criterion:
    """The criterion a backtest of a bare metric judges: within ``multiple`` times the scope's noise floor."""
    if metric not in METRICS:
        raise RelcheckError(f"unknown metric '{metric}'; metrics: {', '.join(NOISE_BOUNDS)}")
    if metric not in NOISE_BOUNDS:
        raise RelcheckError(f"metric '{metric}' is a total with no noise floor; backtest a criterion on it with "
                            f"--criterion NAME, or pick one of: {', '.join(NOISE_BOUNDS)}")
    return Criterion(name=f"{metric} within {multiple:g}x its noise floor", applies_to="all", where={},
                     metric=metric, severity="block", threshold_noise=multiple)


def pair_values(store: Store, scope: ScopeDef, pairs: Sequence[tuple[str, str | Side]],
                progress: Progress | None = None) -> list[tuple[str, str, metrics.ScopeMetrics | None, str | None]]:
    """Every metric of the scope on each pair: (current, candidate label, metrics or None, why none)."""
    out: list[tuple[str, str, metrics.ScopeMetrics | None, str | None]] = []
    for i, (a, b) in enumerate(pairs):
        label = b.label if isinstance(b, Side) else b
        try:
            with PairSession(store, a, b) as session:
                session.prepare([scope])
                out.append((a, label, metrics.compute(session)[0], None))
        except RelcheckError as exc:  # e.g. no common dates: the pair has no value
            out.append((a, label, None, str(exc)))
        if progress:
            progress("backtest", i + 1, len(pairs))
    return out


def _judged(criterion: Criterion, scope: ScopeDef, rows: list[tuple[str, str, metrics.ScopeMetrics | None,
            str | None]], floor: NoiseFloor) -> tuple[PairValue, ...]:
    out = []
    for a, b, m, why in rows:
        value = finite_number(m.get(criterion.metric)) if m is not None else None
        r = judge(criterion, scope, value, unavailable=why, noise_floor=floor)
        out.append(PairValue(a, b, value, str(r.status), r.note))
    return tuple(out)


def backtest(
    store: Store,
    scope: ScopeDef,
    criterion: Criterion,
    *,
    share: float = DEFAULT_SHARE,
    scenarios: Sequence[Scenario] | None = None,
    noise_multiple: float = NOISE_MULTIPLE,
    progress: Progress | None = None,
) -> Backtest:
    """Judge ``criterion`` on ``scope`` over every past release pair (and the chaos scenarios, if given).

    ``share`` (0 < share <= 1) is the share of past pairs the history-based threshold must hold on.
    Raises RelcheckError for a share outside (0, 1].
    """
    check_share(share)
    floor = noise_floors(store, noise_base(store), [scope], [criterion.metric])[scope.scope_id][criterion.metric]
    rows = pair_values(store, scope, history_pairs(store), progress)
    pairs = _judged(criterion, scope, rows, floor)
    chaos = None
    if scenarios is not None:
        current = store.current_id()
        sides = [(current, scenario_side(store, current, s)) for s in scenarios]
        chaos = _judged(criterion, scope, pair_values(store, scope, sides), floor)
    op, neutral = criterion.op, NOISE_BOUNDS.get(criterion.metric, (0.0, "max"))[0]
    return Backtest(
        scope=scope, criterion=criterion, share=share, pairs=pairs, noise_floor=floor,
        by_history=suggest.by_history([p.value for p in pairs], op, neutral, share),
        by_noise=suggest.by_noise(floor.value, op, neutral, noise_multiple) if criterion.metric in NOISE_BOUNDS
        else None,
        chaos=chaos,
    )


def check_share(share: float) -> None:
    """A share of past pairs is in (0, 1]."""
    if not (isinstance(share, int | float) and 0 < share <= 1):
        raise RelcheckError(f"--share must be in (0, 1], the share of past pairs a threshold must hold on; "
                            f"got {share}")
