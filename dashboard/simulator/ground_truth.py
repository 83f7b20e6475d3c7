"""The ground truth ledger: exact Shapley values per scope over the 2^5 lattice, and the injected changes.

It is what relcheck's attribution is scored against, so it is computed from the simulation's own totals,
never from relcheck's queries.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from dashboard.simulator.constants import (
    ATTRIBUTION_VERSIONS,
    CAT_INDEX,
    CATEGORIES,
    COMPONENTS,
    NORMALIZATION_VERSIONS,
    POI_DB_VERSIONS,
    SEGMENTS,
    SOURCE_INGEST_VERSIONS,
    SOURCES,
    STOP_DETECTION_VERSIONS,
)
from dashboard.simulator.pipeline import Config, Pipeline
from dashboard.simulator.runs import RunTotals
from dashboard.simulator.snapshot import ReleaseSpec


def exact_shapley(values: Sequence[float], n: int) -> list[float]:
    """Exact Shapley values from v over all 2^n subsets (index = bit mask of the players in the subset)."""
    fact = [math.factorial(i) for i in range(n + 1)]
    phi = []
    for i in range(n):
        total = 0.0
        for mask in range(1 << n):
            if mask >> i & 1:
                continue
            k = bin(mask).count("1")
            total += fact[k] * fact[n - k - 1] / fact[n] * (values[mask | 1 << i] - values[mask])
        phi.append(total)
    return phi


def _scope_block(values: list[float], n: int) -> dict[str, Any]:
    full, empty = (1 << n) - 1, 0
    phi = exact_shapley(values, n)
    first = [values[1 << i] - values[empty] for i in range(n)]
    paired = [0.5 * ((values[1 << i] - values[empty]) + (values[full] - values[full & ~(1 << i)])) for i in range(n)]
    delta = values[full] - values[empty]
    return {
        "v_current": values[empty],
        "v_candidate": values[full],
        "delta": delta,
        "shapley": {c: phi[i] for i, c in enumerate(COMPONENTS)},
        "first_order": {c: first[i] for i, c in enumerate(COMPONENTS)},
        "paired_oat": {c: paired[i] for i, c in enumerate(COMPONENTS)},
        "paired_oat_interaction": delta - sum(paired),
        "first_order_interaction": delta - sum(first),
        "v": [{"mask": m, "swapped": [c for i, c in enumerate(COMPONENTS) if m >> i & 1], "total": values[m]}
              for m in range(1 << n)],
    }


def _pct(a: float, b: float) -> float | None:
    return None if a == 0 else 100.0 * (b - a) / a


def build_ground_truth(pipe: Pipeline, plan: list[ReleaseSpec], lattice: dict[int, Config],
                       totals: dict[Config, RunTotals]) -> dict[str, Any]:
    """The ledger written as ground_truth.json: settings, releases, injected changes, Shapley per scope."""
    w, s = pipe.w, pipe.s
    n = len(COMPONENTS)
    cur, cand = lattice[0], lattice[(1 << n) - 1]
    db_of = {m: POI_DB_VERSIONS[c["poi_db"]] for m, c in lattice.items()}
    cats_of = {db: pipe.categories(db) for db in set(db_of.values())}
    brands = w.brand_names

    def scope_values(select: Callable[[int, RunTotals], float]) -> list[float]:
        return [select(m, totals[lattice[m]]) for m in range(1 << n)]

    scopes: dict[str, dict[str, Any]] = {"all": _scope_block(scope_values(lambda m, t: t.total), n)}
    for r, rn in enumerate(w.region_names):
        scopes[f"region:{rn}"] = _scope_block(scope_values(lambda m, t, r=r: float(t.place[w.region == r].sum())), n)
    for ci, c in enumerate(CATEGORIES):
        scopes[f"category:{c.name}"] = _scope_block(
            scope_values(lambda m, t, ci=ci: float(t.place[cats_of[db_of[m]] == ci].sum())), n)
    for bi, b in enumerate(brands):
        scopes[f"brand:{b}"] = _scope_block(scope_values(lambda m, t, bi=bi: float(t.place[w.brand == bi].sum())), n)
    for j, src in enumerate(SOURCES):
        scopes[f"source:{src}"] = _scope_block(
            scope_values(lambda m, t, j=j: float(t.region_source_day[:, j, :].sum())), n)
    if s.segments:
        for g, seg in enumerate(SEGMENTS):
            scopes[f"segment:{seg}"] = _scope_block(scope_values(lambda m, t, g=g: float(t.segment[g])), n)

    changes = _changes(pipe, lattice, totals)
    return {
        "generator": "dashboard.simulator",
        "preset": s.preset,
        "seed": s.seed,
        "settings": {"places_in_world": w.n, "days": s.days, "start": s.start.isoformat(),
                     "end": (s.start + dt.timedelta(days=s.days - 1)).isoformat(), "segments": s.segments,
                     "sources": list(SOURCES), "regions": w.region_names},
        "pair": {"current": s.current_id, "candidate": s.candidate_id},
        "window": {"start": s.start.isoformat(), "end": (s.start + dt.timedelta(days=s.days - 1)).isoformat()},
        "components": list(COMPONENTS),
        "versions": {"current": cur.as_dict(), "candidate": cand.as_dict()},
        "releases": [{"release_id": r.release_id, "kind": r.kind, "base": r.base,
                      "swapped": [c for c in COMPONENTS if r.config[c] != cur[c]] if r.kind == "ablation" else None,
                      "components": r.config.as_dict(), "days": r.days} for r in plan],
        "changes": changes,
        "attribution_truth": {
            "metric": "visits (sum over the common window, all sources and segments)",
            "method": "exact Shapley over the full 2^5 lattice of component subsets; v(S) = the scope's visits in "
                      "the current release rebuilt with the components in S at the candidate's versions",
            "category_labels": "per run: each run's own places table (as relcheck resolves scopes per release), "
                               "so a relabel shows as a poi_db contribution",
            "mask_bits": {c: 1 << i for i, c in enumerate(COMPONENTS)},
            "scopes": scopes,
        },
        "history": history_truth(plan),
        "replicates": replicate_truth(pipe, plan, totals.get(cur)),
    }


#: What each component's version does in the simulation: two versions that behave the same change nothing.
BEHAVIOUR: dict[str, dict[str, Any]] = {
    "source_ingest": SOURCE_INGEST_VERSIONS, "poi_db": POI_DB_VERSIONS, "stop_detection": STOP_DETECTION_VERSIONS,
    "attribution": ATTRIBUTION_VERSIONS, "normalization": NORMALIZATION_VERSIONS,
}


def history_truth(plan: list[ReleaseSpec]) -> dict[str, Any]:
    """Every consecutive pair of releases of kind "release" (by created_at) and what changed between them.

    ``changed``: components whose version differs; ``effective``: those whose behaviour differs too (a
    rebuilt component with unchanged behaviour is in ``changed`` only); ``resampled``: the two runs drew the
    panel with different seeds, so even a pair without an effective change differs by sampling noise.
    A pair is ``quiet`` when no component's behaviour changed.
    """
    releases = sorted((r for r in plan if r.kind == "release"), key=lambda r: r.created_at)
    pairs = []
    for a, b in zip(releases, releases[1:], strict=False):
        changed = [c for c in COMPONENTS if a.config[c] != b.config[c]]
        effective = [c for c in changed if BEHAVIOUR[c][a.config[c]] != BEHAVIOUR[c][b.config[c]]]
        pairs.append({"current": a.release_id, "candidate": b.release_id, "changed": changed,
                      "effective": effective, "resampled": a.seed_offset != b.seed_offset, "quiet": not effective})
    return {"order": "created_at", "releases": [r.release_id for r in releases], "pairs": pairs}


def replicate_truth(pipe: Pipeline, plan: list[ReleaseSpec], base: RunTotals | None) -> dict[str, Any]:
    """The replicates and the spread the simulator expects between a replicate and its base, per scope.

    Visits of a place are Σ f·k over its cells with k ~ Poisson(λ) drawn per run, so a scope's visits have
    variance Σ f²·λ; a replicate and its base are two independent draws, hence the level change between them
    has a standard deviation of about 100·sqrt(2·Σ f²λ) / Σ fλ percent: small scopes are noisier.
    """
    reps = [r for r in plan if r.kind == "replicate"]
    out: dict[str, Any] = {"base": reps[0].base if reps else None, "release_ids": [r.release_id for r in reps],
                           "seed_offsets": [r.seed_offset for r in reps],
                           "metric": "level_change_pct between the base and one replicate, standard deviation",
                           "expected_level_change_sd_pct": {}}
    if not reps or base is None or base.place_var is None or base.place_mean is None:
        return out
    w = pipe.w
    db = POI_DB_VERSIONS[reps[0].config["poi_db"]]
    listed, cats = pipe.listed(db), pipe.categories(db)
    var, mean = base.place_var, base.place_mean

    def sd(sel: np.ndarray) -> float | None:
        m = float(mean[sel & listed].sum())
        return None if m <= 0 else 100.0 * math.sqrt(2.0 * float(var[sel & listed].sum())) / m

    spread: dict[str, float | None] = {"all": sd(np.ones(w.n, bool))}
    for r, rn in enumerate(w.region_names):
        spread[f"region:{rn}"] = sd(w.region == r)
    for ci, c in enumerate(CATEGORIES):
        spread[f"category:{c.name}"] = sd(cats == ci)
    for bi, b in enumerate(w.brand_names):
        spread[f"brand:{b}"] = sd(w.brand == bi)
    out["expected_level_change_sd_pct"] = spread
    return out


def _changes(pipe: Pipeline, lattice: dict[int, Config], totals: dict[Config, RunTotals]) -> list[dict[str, Any]]:
    """The injected changes, each owned by one component, with the magnitude measured in its one-swap run."""
    w, s = pipe.w, pipe.s
    bit = {c: 1 << i for i, c in enumerate(COMPONENTS)}
    full = (1 << len(COMPONENTS)) - 1
    cur_t, cand_t = totals[lattice[0]], totals[lattice[full]]
    db_cur, db_cand = POI_DB_VERSIONS[lattice[0]["poi_db"]], POI_DB_VERSIONS[lattice[full]["poi_db"]]
    ids_cur, ids_cand = pipe.ids(db_cur), pipe.ids(db_cand)
    days = np.arange(s.days)
    loss_day = int((np.datetime64(s.loss_date) - np.datetime64(s.start)).astype(np.int64))
    r = w.region_names.index(s.loss_region)
    j = SOURCES.index(s.loss_source)

    def cell(t: RunTotals, after: bool) -> float:
        sel = days >= loss_day if after else days < loss_day
        return float(t.region_source_day[r, j, sel].sum())

    si_t = totals[lattice[bit["source_ingest"]]]
    others_after = float(si_t.region_source_day[:, :, days >= loss_day].sum()) - cell(si_t, True)
    others_after_cur = float(cur_t.region_source_day[:, :, days >= loss_day].sum()) - cell(cur_t, True)
    before, after = _pct(cell(cur_t, False), cell(cand_t, False)), _pct(cell(cur_t, True), cell(cand_t, True))
    ratio_cand = None if before is None or after is None else (1 + after / 100) / (1 + before / 100)
    out: list[dict[str, Any]] = [{
        "id": "C1", "component": "source_ingest", "kind": "source_device_loss",
        "description": f"{s.loss_source} loses {100 * s.loss_fraction:.0f}% of its devices in region {s.loss_region} "
                       f"from {s.loss_date.isoformat()} (source_ingest v4 ingests the reduced feed)",
        "source": s.loss_source, "region": s.loss_region, "date": s.loss_date.isoformat(),
        "fraction": s.loss_fraction,
        "expected": {
            "scope": f"source:{s.loss_source} in region:{s.loss_region}, dates >= {s.loss_date.isoformat()}",
            "nominal_level_change_pct": -100 * s.loss_fraction,
            "level_change_pct_in_one_swap_run": _pct(cell(cur_t, True), cell(si_t, True)),
            "level_change_pct_before_date_in_one_swap_run": _pct(cell(cur_t, False), cell(si_t, False)),
            "other_cells_change_pct_in_one_swap_run": _pct(others_after_cur, others_after),
            "candidate_vs_current_after_over_before_ratio": ratio_cand,
        },
    }]
    # poi_db
    db_t = totals[lattice[bit["poi_db"]]]
    both = pipe.listed(db_cur) & pipe.listed(db_cand)
    per_brand = {}
    for b in s.parking_brands:
        sel = w.parking & (w.brand == w.brand_names.index(b)) & both
        per_brand[b] = _pct(float(cur_t.place[sel].sum()), float(db_t.place[sel].sum()))
    park_ids = sorted(ids_cand[w.parking & pipe.listed(db_cand)].astype(str).tolist())
    neighbours = _near(pipe, w.parking, 150.0) & ~w.parking & both
    out.append({
        "id": "C2", "component": "poi_db", "kind": "new_polygons",
        "description": f"new hand-drawn polygons including the parking lot for {', '.join(s.parking_brands)} "
                       "grocery stores (centroids move toward the lot)",
        "brands": list(s.parking_brands), "categories": ["Grocery Stores"], "place_ids": park_ids,
        "expected": {"level_change_pct_by_brand_in_one_swap_run": per_brand,
                     "neighbours_within_150m_level_change_pct_in_one_swap_run":
                         _pct(float(cur_t.place[neighbours].sum()), float(db_t.place[neighbours].sum())),
                     "nominal_range_pct": [8, 15]},
    })
    opened = np.flatnonzero((w.added_in == db_cand) & (w.added_in > db_cur))
    closed = np.flatnonzero((w.removed_in == db_cand) & pipe.listed(db_cur))
    rekeyed = np.flatnonzero((w.rekey_in == db_cand) & both)
    out.append({
        "id": "C3", "component": "poi_db", "kind": "places_opened",
        "description": "places opened in the window, listed only in the candidate's places database (rows from "
                       "their opening date)",
        "place_ids": [str(ids_cand[i]) for i in opened],
        "opened_on": {str(ids_cand[i]): (s.start + dt.timedelta(days=int(w.open_day[i]))).isoformat() for i in opened},
        "expected": {"visits_in_candidate": float(cand_t.place[opened].sum()), "visits_in_current": 0.0},
    })
    out.append({
        "id": "C4", "component": "poi_db", "kind": "places_closed",
        "description": "places that closed in the window: the current database still lists them (rows after the "
                       "closing are near zero), the candidate's removes them",
        "place_ids": [str(ids_cur[i]) for i in closed],
        "closed_on": {str(ids_cur[i]): (s.start + dt.timedelta(days=int(w.close_day[i]))).isoformat() for i in closed},
        "expected": {"visits_in_current": float(cur_t.place[closed].sum()), "visits_in_candidate": 0.0},
    })
    out.append({
        "id": "C5", "component": "poi_db", "kind": "places_rekeyed",
        "description": "same place, new place_id in the candidate (placekey churn): not a closing and an opening",
        "pairs": [{"current": str(ids_cur[i]), "candidate": str(ids_cand[i])} for i in rekeyed],
        "expected": {"level_change_pct_of_rekeyed_places_in_one_swap_run":
                     _pct(float(cur_t.place[rekeyed].sum()), float(db_t.place[rekeyed].sum()))},
    })
    rel = np.flatnonzero(w.relabel & both)
    cats_cur, cats_db = pipe.categories(db_cur), pipe.categories(db_cand)

    def cat_total(t: RunTotals, cats: np.ndarray, name: str) -> float:
        return float(t.place[cats == CAT_INDEX[name]].sum())

    out.append({
        "id": "C6", "component": "poi_db", "kind": "category_relabel",
        "description": f"category recalibration: {s.relabel_brand} places move from '{s.relabel_from}' to "
                       f"'{s.relabel_to}': the relabel itself moves no visits (their visits change only through "
                       "neighbouring poi_db changes, measured below)",
        "brand": s.relabel_brand, "from_category": s.relabel_from, "to_category": s.relabel_to,
        "categories": [s.relabel_from, s.relabel_to],
        "place_ids": [str(ids_cand[i]) for i in rel],
        "expected": {
            "visits_moved": float(cur_t.place[rel].sum()),
            "level_change_pct_of_relabelled_places_in_one_swap_run":
                _pct(float(cur_t.place[rel].sum()), float(db_t.place[rel].sum())),
            "from_category_level_change_pct_in_one_swap_run":
                _pct(cat_total(cur_t, cats_cur, s.relabel_from), cat_total(db_t, cats_db, s.relabel_from)),
            "to_category_level_change_pct_in_one_swap_run":
                _pct(cat_total(cur_t, cats_cur, s.relabel_to), cat_total(db_t, cats_db, s.relabel_to)),
        },
    })
    at_t = totals[lattice[bit["attribution"]]]
    dense = _near(pipe, np.ones(w.n, bool), 100.0, min_count=3) & pipe.listed(db_cur)
    listed = pipe.listed(db_cur)
    diff = at_t.place - cur_t.place
    absd = np.abs(diff[listed]).sum()
    moved = np.argsort(-np.abs(diff * listed))[:10]
    out.append({
        "id": "C7", "component": "attribution", "kind": "attribution_method",
        "description": "point-radius (nearest centroid within 75 m) replaced by a gaussian cluster per place: "
                       "stops move between nearby places, most in dense clusters and malls; small net change",
        "from": lattice[0]["attribution"], "to": lattice[full]["attribution"],
        "expected": {
            "net_level_change_pct_in_one_swap_run": _pct(cur_t.total, at_t.total),
            "absolute_redistribution_pct": 100.0 * absd / cur_t.place[listed].sum(),
            "dense_places": int(dense.sum()),
            "dense_share_of_absolute_change": float(np.abs(diff[dense]).sum() / absd) if absd else 0.0,
            "dense_share_of_visits": float(cur_t.place[dense].sum() / cur_t.place[listed].sum()),
            "top_moved_places": [{"place_id": str(ids_cur[i]), "change_pct": _pct(cur_t.place[i], at_t.place[i])}
                                 for i in moved if listed[i]],
        },
    })
    nm_t = totals[lattice[bit["normalization"]]]
    reg = {rn: _pct(float(cur_t.place[w.region == k].sum()), float(nm_t.place[w.region == k].sum()))
           for k, rn in enumerate(w.region_names)}
    segs = ({g: _pct(float(cur_t.segment[k]), float(nm_t.segment[k])) for k, g in enumerate(SEGMENTS)}
            if s.segments else None)
    out.append({
        "id": "C8", "component": "normalization", "kind": "normalization_base",
        "description": "state scaling v2: new population base for "
                       + ", ".join(f"{r} ({100 * (f - 1):+.0f}%)" for r, f in s.norm_region_scale)
                       + "; segment weights " + ", ".join(f"{g} x{f:.2f}" for g, f in s.norm_segment_weight),
        "regions": [r for r, _ in s.norm_region_scale],
        "region_scale": dict(s.norm_region_scale), "segment_weight": dict(s.norm_segment_weight),
        "expected": {"region_level_change_pct_in_one_swap_run": reg,
                     "segment_level_change_pct_in_one_swap_run": segs,
                     "raw_visits_change": 0},
    })
    sd_t = totals[lattice[bit["stop_detection"]]]
    out.append({
        "id": "C9", "component": "stop_detection", "kind": "negative_control",
        "description": f"stop detection rebuilt ({lattice[0]['stop_detection']} -> {lattice[full]['stop_detection']}) "
                       "with unchanged parameters: any contribution attributed to it is a false positive",
        "expected": {"level_change_pct_in_one_swap_run": _pct(cur_t.total, sd_t.total), "shapley": 0.0},
    })
    return out


def _near(pipe: Pipeline, of: np.ndarray, radius: float, min_count: int = 1) -> np.ndarray:
    """Places with at least min_count places of the set `of` (other than themselves) within radius."""
    w = pipe.w
    tree = cKDTree(np.c_[w.x[of], w.y[of]])
    counts = np.array([len(v) for v in tree.query_ball_point(np.c_[w.x, w.y], radius)])
    counts -= of.astype(int)
    return counts >= min_count
