"""One scope in depth, as a page shows it: metrics, daily and weekly series, brand shares, sources, places,
and the joint explanation's top segments.

The Customers, Categories, Deals and Explore pages draw this result and nothing else, so what they show
is computed (and tested) here, in one comparison session, not in the views.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dashboard.attribution.joint import JointExplanation
from dashboard.attribution.onset import OnsetStory, onset_story
from dashboard.attribution.totals import joint_of, source_deltas
from dashboard.engine import metrics
from dashboard.engine.scopes import ScopeDef
from dashboard.engine.session import PairSession, Side
from dashboard.store.catalog import Store

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class ScopeDetail:
    """Everything one scope's page shows: metrics, series, shares, sources, places.

    ``daily`` (date, current, candidate), ``weekly`` (week, current, candidate and their growth),
    ``shares`` (brand shares in both releases), ``places`` (biggest |delta| first) are the session's frames;
    ``sources`` lists visits per source in both releases and their delta, largest |delta| first;
    ``joint`` is the joint explanation of the scope's delta (a few segments that together explain it);
    ``onset`` the date from which the two releases diverge and what diverged (None when they never leave
    their usual day-to-day difference); :attr:`summary` the lines a page shows above the charts.
    """

    scope: ScopeDef
    window: dict[str, str]
    values: dict[str, Any]
    extra: dict[str, Any]
    daily: pd.DataFrame
    weekly: pd.DataFrame
    shares: pd.DataFrame
    sources: list[dict[str, Any]]
    places: pd.DataFrame
    joint: JointExplanation
    onset: OnsetStory | None = None

    @property
    def diverges_from(self) -> str | None:
        return self.onset.onset.diverges_from.isoformat() if self.onset else None

    @property
    def summary(self) -> list[str]:
        """The scope's summary lines: when the releases part ("diverges from 2026-06-11 (candidate lower),
        sdk_beta in W"), or that they never do."""
        if self.onset is not None:
            return [self.onset.line]
        return ["does not diverge: the daily difference stays within its usual range over the whole window"]


def detail_in_session(session: PairSession, scope: ScopeDef) -> ScopeDetail:
    """One scope in depth on an open session (the session is prepared for this scope only)."""
    session.prepare([scope])
    m = metrics.compute(session)[0]
    sid = scope.scope_id
    return ScopeDetail(
        scope=scope,
        window=session.window.to_dict(),
        values=dict(m.values),
        extra=dict(m.extra),
        daily=session.daily_series(sid),
        weekly=session.weekly_series(sid),
        shares=session.brand_shares(sid),
        sources=source_deltas(session, [scope]).get(sid, []),
        places=session.place_deltas(sid),
        joint=joint_of(session, scope),
        onset=onset_story(session, scope, m.onset),
    )


def scope_detail(store: Store, current: str | Side, candidate: str | Side, scope: ScopeDef) -> ScopeDetail:
    """One scope in depth between two releases (RelcheckError when they share no date)."""
    with PairSession(store, current, candidate) as session:
        return detail_in_session(session, scope)


def daily_series_many(store: Store, current: str, candidate: str, scopes: Sequence[ScopeDef]) -> pd.DataFrame:
    """Daily series of several scopes in one session: scope (its name), date, current, candidate."""
    import pandas as pd

    if not scopes:
        return pd.DataFrame(columns=["scope", "date", "current", "candidate"])
    with PairSession(store, current, candidate) as session:
        session.prepare(list(scopes))
        frames = [session.daily_series(d.scope_id).assign(scope=d.name or d.scope_id) for d in scopes]
    return pd.concat(frames, ignore_index=True)
