"""Attribution of a release delta (DESIGN section 6): which source, places, element or component moved it.

A comparison says *that* a scope moved; the release team has to answer *why* before it ships. Every
split here sums exactly (to floating-point tolerance) to the scope's delta, so no part of a change can
hide between the bars:

- **by source**: delta = Σ over upstream sources of (B_source − A_source);
- **by effect**: delta = added + dropped + common places' terms, dropped negative (coverage churn against level);
- **root causes**: Adtributor (Bhagwan et al., NSDI 2014) over region, category, brand, source and segment,
  and over pairs of them, so a fault such as "sdk_beta lost devices in W" is found as one element;
- **by component**: Shapley values over ablation runs (the current release rebuilt with some components
  at the candidate's versions), exact when every subset exists, else the paired one-at-a-time estimate or
  first-order effects, with the remainder shown as "interaction";
- **mix against rate** (Kitagawa): visits per place of the scope, split into brand composition and
  per-brand visits per place.

This module is the public entry: :func:`attribute` (every lens at once) and one function per lens. The parts:
:mod:`.results` (typed results), :mod:`.algorithms` (pure), :mod:`.totals` (the SQL, ``queries/attr_*.sql``, on a
:class:`PairSession`), :mod:`.components` (ablation runs and Shapley over them). Core: never imports Streamlit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from dashboard.attribution.algorithms import (
    adtributor,
    exact_shapley,
    explanatory_set,
    kitagawa,
    matrix_of,
    root_causes_of,
    score_elements,
    shapley_from_runs,
    source_split,
    surprise,
)
from dashboard.attribution.components import (
    component_attribution,
    component_attributions,
    component_causes,
    component_runs,
    covers,
    metric_name,
    metric_values,
    scope_metrics,
)
from dashboard.attribution.joint import JointExplanation, JointSegment
from dashboard.attribution.onset import OnsetStory, onset_story
from dashboard.attribution.plain import Explanation, component_moves, explanation
from dashboard.attribution.results import (
    DIMENSIONS,
    EFFECT_SIGN_CONVENTION,
    LOG_BASE,
    METHODS,
    MIN_SURPRISE,
    NESTED_PAIRS,
    PAIR_GAIN,
    PAIR_RULE,
    PAIRS,
    TEEP,
    TEP,
    TOP_K,
    ZERO_DELTA_REL,
    Attribution,
    BrandMixRate,
    ComponentAttribution,
    ComponentRun,
    Cube,
    EffectSplit,
    ElementScore,
    MatrixCell,
    MixRate,
    RootCause,
    RootCauses,
    SourceDelta,
    SourceSplit,
)
from dashboard.attribution.totals import (
    brand_mix_rate,
    changed_places_many,
    dimension_cube,
    effect_split,
    ensure_prepared,
    joint_of,
    scope_cells,
    source_causes,
    source_deltas,
)
from dashboard.engine import metrics
from dashboard.engine.scopes import ScopeDef, check_scope, resolve_scope
from dashboard.engine.session import PairSession
from dashboard.stakeholders import Stakeholders, load_stakeholders
from dashboard.store.catalog import Store

Scope = str | ScopeDef
StakeholdersArg = Stakeholders | str | Path | None
T = TypeVar("T")


def scope_def(scope: Scope, stakeholders: StakeholdersArg) -> ScopeDef:
    """A scope string resolved (a stakeholders path is read only for customer and deal scopes)."""
    if isinstance(scope, ScopeDef):
        return scope
    if isinstance(stakeholders, (str, Path)):
        text = (scope or "").strip()
        stakeholders = load_stakeholders(stakeholders) if text.startswith(("customer:", "deal:")) else None
    return resolve_scope(scope, stakeholders)


def attribute(
    store: Store,
    current: str | None = None,
    candidate: str | None = None,
    scope: Scope = "all",
    stakeholders: StakeholdersArg = None,
    metric: str = "delta",
) -> Attribution:
    """Every attribution of one scope's delta (sections 6's five lenses) for a release pair."""
    current, candidate = store.pair(current, candidate)
    sd = scope_def(scope, stakeholders)
    metric = metric_name(metric)
    with PairSession(store, current, candidate) as s:
        check_scope(sd, s.values)  # an unknown category, brand... is refused, not answered with zeros
        s.prepare([sd])
        sm = metrics.compute(s)[0]
        va, vb = float(sm.values["visits_current"]), float(sm.values["visits_candidate"])
        cube = dimension_cube(s, sd)
        effect = effect_split(s, sd)
        mix = brand_mix_rate(s, sd)
        joint_x = joint_of(s, sd)
        story = onset_story(s, sd, sm.onset)
        moved_places = changed_places_many(s, [sd]).get(sd.scope_id, [])
        window = s.window
        v_full = sm.values.get(metric)
    comp = component_attribution(store, current, candidate, sd, window, metric,
                                 v_candidate=None if v_full is None else float(v_full))
    split = source_split(cube, sd.scope_id, vb - va)
    cur_rel, cand_rel = store.release(current), store.release(candidate)
    words = explanation(
        sd.scope_id,
        sources=[{"source": r.source, "current": r.visits_current, "candidate": r.visits_candidate}
                 for r in split.rows],
        place_rows=moved_places, segments=joint_x.segments,
        components=component_moves(comp.contributions, comp.interaction, comp.metric, comp.method,
                                   cur_rel.components, cand_rel.components, cand_rel.description),
        onset=story.line if story else None,
    )
    return Attribution(
        current=current, candidate=candidate, scope=sd.scope_id, window=window,
        visits_current=va, visits_candidate=vb,
        by_source=split, by_effect=effect,
        root_causes=root_causes_of(cube), by_component=comp, mix_rate=mix, joint_explanation=joint_x,
        onset=story, explanation=words,
    )


# ------------------------------------------------------------------ one lens at a time


def _lens(store: Store, current: str | None, candidate: str | None, scope: Scope, stakeholders: StakeholdersArg,
          compute: Callable[[PairSession, ScopeDef], T]) -> T:
    """One lens of one scope: the pair defaulted (never the same release twice), one session, ``compute``."""
    current, candidate = store.pair(current, candidate)
    sd = scope_def(scope, stakeholders)
    with PairSession(store, current, candidate) as s:
        return compute(s, sd)


def by_source(store: Store, current: str | None = None, candidate: str | None = None, scope: Scope = "all",
              stakeholders: StakeholdersArg = None) -> SourceSplit:
    """The source waterfall of one scope."""
    def split(s: PairSession, sd: ScopeDef) -> SourceSplit:
        cube = dimension_cube(s, sd)
        return source_split(cube, sd.scope_id, cube.visits_candidate - cube.visits_current)
    return _lens(store, current, candidate, scope, stakeholders, split)


def by_effect(store: Store, current: str | None = None, candidate: str | None = None, scope: Scope = "all",
              stakeholders: StakeholdersArg = None) -> EffectSplit:
    """Added, dropped and common places' parts of one scope's delta."""
    return _lens(store, current, candidate, scope, stakeholders, effect_split)


def root_causes(store: Store, current: str | None = None, candidate: str | None = None, scope: Scope = "all",
                stakeholders: StakeholdersArg = None, pairs: bool = True) -> RootCauses:
    """Adtributor's top explanatory sets for one scope (single dimensions and, by default, pairs)."""
    return _lens(store, current, candidate, scope, stakeholders,
                 lambda s, sd: root_causes_of(dimension_cube(s, sd), pairs=pairs))


def mix_rate(store: Store, current: str | None = None, candidate: str | None = None, scope: Scope = "all",
             stakeholders: StakeholdersArg = None) -> MixRate:
    """Kitagawa split of the change in the scope's visits per place (brand rate against brand mix)."""
    return _lens(store, current, candidate, scope, stakeholders, brand_mix_rate)


def joint(store: Store, current: str | None = None, candidate: str | None = None, scope: Scope = "all",
          stakeholders: StakeholdersArg = None) -> JointExplanation:
    """The joint explanation of one scope's delta: a few segments that together explain it (:mod:`.joint`)."""
    return _lens(store, current, candidate, scope, stakeholders, joint_of)


def region_source_matrix(store: Store, current: str | None = None, candidate: str | None = None,
                         scope: Scope = "all", stakeholders: StakeholdersArg = None) -> list[MatrixCell]:
    """Delta per region × source of one scope, for the attribution heatmap."""
    return _lens(store, current, candidate, scope, stakeholders, lambda s, sd: matrix_of(dimension_cube(s, sd)))


def by_component_many(store: Store, current: str | None = None, candidate: str | None = None,
                      scopes: Sequence[Scope] = ("all",), stakeholders: StakeholdersArg = None,
                      metric: str = "delta") -> dict[str, ComponentAttribution]:
    """Shapley attribution to pipeline components for several scopes, one session per run (keyed by scope id)."""
    current, candidate = store.pair(current, candidate)
    defs = list({sd.scope_id: sd for sd in (scope_def(x, stakeholders) for x in scopes)}.values())
    with PairSession(store, current, candidate) as s:
        window = s.window
    return component_attributions(store, current, candidate, defs, window, metric)


def by_component(store: Store, current: str | None = None, candidate: str | None = None, scope: Scope = "all",
                 stakeholders: StakeholdersArg = None, metric: str = "delta") -> ComponentAttribution:
    """Shapley attribution of one scope's metric change to pipeline components, from ablation runs."""
    return by_component_many(store, current, candidate, [scope], stakeholders, metric)[scope_def(scope, stakeholders).scope_id]


__all__ = [
    "DIMENSIONS", "EFFECT_SIGN_CONVENTION", "LOG_BASE", "METHODS", "MIN_SURPRISE", "NESTED_PAIRS", "PAIRS",
    "PAIR_GAIN", "PAIR_RULE", "TEEP", "TEP", "TOP_K", "ZERO_DELTA_REL",
    "Attribution", "BrandMixRate", "ComponentAttribution", "ComponentRun", "Cube", "EffectSplit", "ElementScore",
    "JointExplanation", "JointSegment", "MatrixCell", "MixRate", "OnsetStory", "RootCause", "RootCauses", "SourceDelta",
    "SourceSplit",
    "Explanation", "adtributor", "attribute", "brand_mix_rate", "changed_places_many", "by_component", "by_component_many", "by_effect", "by_source",
    "component_attribution", "component_attributions", "component_causes", "component_runs", "covers",
    "dimension_cube", "effect_split", "ensure_prepared", "exact_shapley", "explanatory_set", "joint", "joint_of", "kitagawa",
    "matrix_of", "metric_name", "metric_values", "mix_rate", "onset_story", "region_source_matrix", "root_causes",
    "root_causes_of", "scope_cells", "scope_def", "scope_metrics", "score_elements", "shapley_from_runs", "source_causes",
    "source_deltas", "source_split", "surprise",
]
