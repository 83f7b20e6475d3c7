"""Causes in plain words (README "Causes in plain words"): what stands out in a scope's change, not what is
largest, as one typed result and the one sentence every surface shows (scorecard, gate results, CLI tables,
evidence pack).

The sentence leads with the pipeline component and its change as the release manifest describes it, then the
places that entered or left the scope by name, the segments that explain the movement, and only then a source,
and only one whose change differs from the scope's other sources beyond what its share explains: a source
holding half the visits takes half of any change, so being the largest mover says nothing.

Pure functions over totals the SQL produced (:mod:`.totals`, ``attr_changed_places.sql``) and the manifests.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dashboard.attribution.joint import JointSegment
from dashboard.attribution.moved_places import PlaceMove, changed_places, places_text

#: A source stands out when its relative change differs from the typical change of the scope's sources by at
#: least this many percentage points…
SOURCE_TOLERANCE_PP = 5.0
#: …and the visits that difference accounts for are at least this share of the scope's absolute movement.
SOURCE_MIN_SHARE = 0.25
#: A joint-explanation segment is named when it explains at least this share of the movement (at most 2).
SEGMENT_MIN_SHARE = 0.2
MAX_SEGMENTS = 2
#: A component is named when its contribution is at least this share of Σ|contribution| (at most 2).
COMPONENT_MIN_SHARE = 0.25
MAX_COMPONENTS = 2


# ------------------------------------------------------------------------------------------- sources
@dataclass(frozen=True)
class SourceMove:
    """One source that stands out: its change (None for a source new in the candidate) against ``typical``
    (the median change of the scope's sources) and ``excess``, the visits beyond moving like them."""

    source: str
    current: float
    candidate: float
    change_pct: float | None
    typical_pct: float
    excess: float

    @property
    def delta(self) -> float:
        return self.candidate - self.current

    @property
    def text(self) -> str:
        if self.change_pct is None:
            return f"source {self.source} is new ({self.candidate:+,.0f} visits)"
        return (f"source {self.source} {self.change_pct:+.1f} % against {self.typical_pct:+.1f} % typical of the "
                f"scope's sources ({self.excess:+,.0f} visits beyond that)")

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "current": self.current, "candidate": self.candidate, "delta": self.delta,
                "change_pct": self.change_pct, "typical_change_pct": self.typical_pct, "excess": self.excess}


@dataclass(frozen=True)
class SourceCheck:
    """The sources that stand out, and the typical change they were measured against (None with < 2 sources)."""

    standouts: tuple[SourceMove, ...]
    typical_pct: float | None
    sources: int


def standout_sources(items: Sequence[Mapping[str, Any]], tolerance_pp: float = SOURCE_TOLERANCE_PP,
                     min_share: float = SOURCE_MIN_SHARE) -> SourceCheck:
    """The sources whose change differs from the scope's typical source change beyond what their share explains.

    ``items``: source, current, candidate (visits per source in one scope). The typical change is the median
    of the relative changes of the sources with current visits. A source stands out when its change is at least
    ``tolerance_pp`` points from it and its excess (delta − current × typical) is at least ``min_share`` of the
    scope's absolute movement (Σ|delta| over sources); a source new in the candidate when its visits are.
    Largest |excess| first.
    """
    rows = [(str(i["source"]), float(i["current"]), float(i["candidate"])) for i in items]
    present = [(s, a, b) for s, a, b in rows if a > 0]
    movement = math.fsum(abs(b - a) for _, a, b in rows)
    if len(present) < 2 or movement <= 0:
        return SourceCheck((), None, len(rows))
    typical = statistics.median(100.0 * (b - a) / a for _, a, b in present)
    out = []
    for s, a, b in rows:
        if a > 0:
            change = 100.0 * (b - a) / a
            excess = (b - a) - a * typical / 100.0
            if abs(change - typical) >= tolerance_pp and abs(excess) >= min_share * movement:
                out.append(SourceMove(s, a, b, change, typical, excess))
        elif b >= min_share * movement:
            out.append(SourceMove(s, a, b, None, typical, b))
    out.sort(key=lambda m: (-abs(m.excess), m.source))
    return SourceCheck(tuple(out), typical, len(rows))


# ---------------------------------------------------------------------------------------- components
def _norm(text: str) -> str:
    return " ".join(re.sub(r"[_\-]+", " ", text.lower()).split())


def clauses(description: str) -> list[str]:
    """A release description cut at commas and semicolons outside brackets: one change per clause."""
    out, depth, cur = [], 0, []
    for ch in description:
        depth += ch in "([{"
        depth -= ch in ")]}"
        if ch in ",;" and depth <= 0:
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur).strip())
    return [c for c in out if c]


def component_clause(description: str, component: str, version: str | None = None) -> str | None:
    """The clause of a release description that describes one component's change, None when none does.

    A clause describes the component when it names it (``poi_db`` as "poi db"), names its new version
    ("state_scaling-v2" as "state scaling v2"), or, failing both, holds a word of its name of 3+ letters
    ("POI database", "gaussian attribution"); the first clause that matches at the strongest level wins.
    """
    parts = clauses(description)
    normed = [f" {_norm(c)} " for c in parts]
    name = _norm(component)
    tests = [lambda t: f" {name} " in t]
    if version:
        v = _norm(version)
        tests.append(lambda t: f" {v} " in t)
    words = [w for w in name.split() if len(w) >= 3]
    tests.append(lambda t: any(re.search(rf"\b{re.escape(w)}", t) for w in words))
    for test in tests:
        for clause, t in zip(parts, normed, strict=True):
            if test(t):
                return clause
    return None


#: How a change of each metric reads: (format of the value, words after it).
_METRIC_WORDS: dict[str, tuple[str, str]] = {
    "level_change_pct": ("{:+.1f}", "points of level change"),
    "weekly_growth_mae_pp": ("{:+.2f}", "points of weekly growth error"),
    "growth_sign_agreement": ("{:+.0f}", "points of weeks whose growth keeps its sign"),
    "max_share_shift_pp": ("{:+.1f}", "points of brand share shift"),
    "daily_corr": ("{:+.3f}", "in daily correlation"),
    "rank_corr": ("{:+.2f}", "in place ranking correlation"),
    "places_added": ("{:+.0f}", "places added"),
    "places_dropped": ("{:+.0f}", "places dropped"),
    "places_current": ("{:+.0f}", "places in the current release"),
    "places_candidate": ("{:+.0f}", "places in the candidate"),
}


def metric_change_text(metric: str, value: float) -> str:
    """A change of a metric with its unit in words: ``+18.2 points of level change``, ``+1 place dropped``."""
    if metric == "growth_sign_agreement":
        value = 100.0 * value
    fmt, words = _METRIC_WORDS.get(metric, ("{:+,.0f}", "visits"))
    text = fmt.format(value)
    if metric.startswith("places_") and abs(round(value)) == 1:
        words = words.replace("places", "place", 1)
    return f"{text} {words}"


@dataclass(frozen=True)
class ComponentMove:
    """A pipeline component behind the change: its versions, the manifest's words for it, its contribution
    (Shapley over the ablation runs) to ``metric``."""

    component: str
    version_current: str | None
    version_candidate: str | None
    description: str | None
    metric: str
    contribution: float
    method: str

    @property
    def text(self) -> str:
        about = f" ({self.description})" if self.description else ""
        return (f"{self.component} changed {self.version_current or '—'} → {self.version_candidate or '—'}{about}: "
                f"{metric_change_text(self.metric, self.contribution)}")

    def to_json(self) -> dict[str, Any]:
        return {"component": self.component, "version_current": self.version_current,
                "version_candidate": self.version_candidate, "description": self.description,
                "metric": self.metric, "contribution": self.contribution, "method": self.method}


def component_moves(phi: Mapping[str, float], interaction: float, metric: str, method: str,
                    versions_current: Mapping[str, str], versions_candidate: Mapping[str, str],
                    description: str) -> tuple[ComponentMove, ...]:
    """The components that carry the change: each with |φ| at least COMPONENT_MIN_SHARE of Σ|φ| + |interaction|,
    at most MAX_COMPONENTS, largest first, each with its clause of the candidate's description."""
    total = math.fsum(abs(v) for v in phi.values()) + abs(interaction)
    if total <= 0:
        return ()
    chosen = sorted((k for k, v in phi.items() if abs(v) >= COMPONENT_MIN_SHARE * total),
                    key=lambda k: (-abs(phi[k]), k))[:MAX_COMPONENTS]
    return tuple(
        ComponentMove(k, versions_current.get(k), versions_candidate.get(k),
                      component_clause(description, k, versions_candidate.get(k)), metric, float(phi[k]), method)
        for k in chosen
    )


# ------------------------------------------------------------------------------------------ segments
#: How a segment of one value of a dimension reads ("{}" is the value).
_ALONE = {"brand": "{}", "category": "{}", "segment": "user group {}", "source": "source {}", "region": "region {}"}


def segment_words(dimensions: Sequence[str], values: Sequence[Any]) -> str:
    """A segment as words: ``FreshCo in W``, ``sdk_beta in W``, ``PacificFit from source sdk_a``,
    ``region NE``, ``user group residents``."""
    by = dict(zip(dimensions, (str(v) for v in values), strict=True))
    if len(by) == 1:
        (dim, value), = by.items()
        return _ALONE.get(dim, "{}").format(value)
    subjects = [_ALONE[d].format(by[d]) for d in ("brand", "category", "segment") if d in by]
    source, region = by.get("source"), by.get("region")
    if not subjects:
        words = source or ""
    else:
        words = " in ".join(subjects)
        if source:
            words += f" from source {source}"
    return f"{words} in {region}" if region else words


def segment_text(seg: JointSegment) -> str:
    return (f"{segment_words(seg.dimensions, seg.values)} ({seg.delta:+,.0f} visits, "
            f"{100 * seg.share_of_movement:.0f} % of the movement)")


def explaining_segments(segments: Sequence[JointSegment]) -> tuple[JointSegment, ...]:
    """The joint explanation's segments worth naming: each explains SEGMENT_MIN_SHARE of the movement or more;
    at most MAX_SEGMENTS, the largest share first."""
    named = [s for s in segments if s.share_of_movement >= SEGMENT_MIN_SHARE]
    return tuple(sorted(named, key=lambda s: -s.share_of_movement)[:MAX_SEGMENTS])


# -------------------------------------------------------------------------------------------- result
@dataclass(frozen=True)
class Explanation:
    """What stands out in one scope's change, typed, and :attr:`text`, its one sentence.

    ``onset`` is the divergence line (``diverges from 2026-06-11, sdk_beta in W``) when the scope has one.
    """

    scope: str
    components: tuple[ComponentMove, ...] = ()
    places: tuple[PlaceMove, ...] = ()
    segments: tuple[JointSegment, ...] = ()
    sources: SourceCheck | None = None
    onset: str | None = None

    def parts(self) -> list[str]:
        """The sentence's parts in reading order."""
        out = [c.text for c in self.components]
        out += places_text(self.places)
        if self.segments:
            out.append("explained by " + " and ".join(segment_text(s) for s in self.segments))
        if self.sources is not None:
            if self.sources.standouts:
                out += [s.text for s in self.sources.standouts]
            elif self.sources.typical_pct is not None:
                out.append(f"no source stands out (typical source change {self.sources.typical_pct:+.1f} %)")
        if self.onset:
            out.append(self.onset)
        return out

    @property
    def text(self) -> str:
        parts = self.parts()
        if not parts:
            return "no component, place, segment or source stands out in this change"
        return "; ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "components": [c.to_json() for c in self.components],
            "places": [p.to_json() for p in self.places],
            "segments": [s.to_json() for s in self.segments],
            "standout_sources": [s.to_json() for s in self.sources.standouts] if self.sources else [],
            "typical_source_change_pct": self.sources.typical_pct if self.sources else None,
            "onset": self.onset,
        }


def explanation(scope: str, *, sources: Sequence[Mapping[str, Any]] = (), place_rows: Iterable[Mapping[str, Any]] = (),
                segments: Sequence[JointSegment] = (), components: Sequence[ComponentMove] = (),
                onset: str | None = None) -> Explanation:
    """The plain-words explanation of one scope's change from what attribution computed: the split by source
    (``source_deltas`` items), the places that entered or left it (``attr_changed_places`` rows), the joint
    explanation's segments, the components that carry a metric's change, the divergence line."""
    return Explanation(
        scope=scope,
        components=tuple(components),
        places=changed_places(place_rows),
        segments=explaining_segments(segments),
        sources=standout_sources(sources) if sources else None,
        onset=onset,
    )
