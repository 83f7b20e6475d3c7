"""Seeded simulator of the footfall pipeline: writes release snapshots and a ground-truth ledger.

Why a simulator and not a fixture: relcheck's job is to say *which component moved which customer's
numbers*. That can only be checked against data whose causes are known. The simulator builds one world
(regions, cities, places, true daily demand, panel stops per upstream source) from a seed, then runs the
five pipeline components over it. Every run re-uses the same random draws (common random numbers), so two
runs differ only where their component versions differ; the candidate's injected changes, and the exact
Shapley contribution of every component over the full 2^5 lattice of component swaps, are written to
``ground_truth.json`` so tests can score relcheck's attribution.

Model, in order of the pipeline (each step is a pure function of the world and one component version):

* **world**: places (with a true footprint, optional parking lot, true category), true daily visits
  ``base * weekday * season * holiday * region-day * noise``, and a user-segment mix per place.
* **source_ingest**: panel stops per (origin, day, source, segment) = true visits * source coverage in the
  region (* a device loss where a version has one). Origins are the stores and the grocery parking lots.
* **stop_detection**: a detection rate per category (a longer dwell threshold loses short visits).
* **poi_db**: which places are listed, with which id, category and polygon (centroid and area).
* **attribution**: each origin's stops are scattered by the source's location error (fixed Monte-Carlo
  draws per origin) and assigned to a listed place, by point-radius (nearest centroid within R metres) or
  by a gaussian per place; this gives a sparse origin -> place kernel.
* **normalization**: raw panel counts (a Poisson quantile of the attributed mean at a fixed uniform per
  cell, so a run's counts move monotonically with its mean) times a scale per region and segment.

This module is the entry point (``generate``) and the names callers outside the simulator use. The parts,
in the order above: ``constants`` (the world's vocabulary), ``settings`` (presets and TOML), ``world``,
``pipeline`` (the five components), ``runs`` (releases, ablations, the lattice), ``snapshot`` (the folder
writer) and ``ground_truth``. None imports Streamlit (core, used by ``relcheck sample`` and the benchmark).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dashboard.simulator.constants import (
    CANDIDATE_VERSIONS,
    CATEGORIES,
    COMPONENTS,
    CURRENT_VERSIONS,
    REGIONS,
    SEGMENTS,
    SOURCES,
)
from dashboard.simulator.ground_truth import build_ground_truth, exact_shapley
from dashboard.simulator.pipeline import Config, Pipeline, poisson_quantile
from dashboard.simulator.runs import RunTotals, release_plan, run_group, subset_config
from dashboard.simulator.settings import Settings, load_settings
from dashboard.simulator.snapshot import ReleaseSpec, write_text
from dashboard.simulator.world import build_world

#: What callers outside the simulator use; the parts live in constants, settings, world, pipeline, runs,
#: snapshot and ground_truth.
__all__ = [
    "CANDIDATE_VERSIONS", "CATEGORIES", "COMPONENTS", "CURRENT_VERSIONS", "REGIONS", "SEGMENTS", "SOURCES",
    "Progress", "SampleResult", "Settings", "exact_shapley", "generate", "load_settings", "poisson_quantile",
]

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class SampleResult:
    """Release folders in ingestion order (history, current, candidate, ablations) and the ground truth."""

    out_dir: Path
    release_dirs: list[Path]
    release_ids: list[str]
    current_id: str
    candidate_id: str
    ground_truth: Path
    preset: str
    seed: int


def generate(out_dir: Path, preset: str = "demo", settings_path: Path | None = None,
             progress: Progress | None = None, overrides: Mapping[str, Any] | None = None) -> SampleResult:
    """Simulate the pipeline and write release folders plus ``ground_truth.json`` into ``out_dir``.

    Deterministic: the same settings give byte-identical files. Every run (written or only totalled for
    the 2^5 lattice) is computed from the same world and draws, so differences come from components only.
    """
    s = load_settings(preset, settings_path, overrides)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    world = build_world(s)
    pipe = Pipeline(world)
    plan = release_plan(s)
    cur, cand = Config.of(CURRENT_VERSIONS), Config.of(CANDIDATE_VERSIONS)
    lattice = {mask: subset_config(cur, cand, [c for i, c in enumerate(COMPONENTS) if mask >> i & 1])
               for mask in range(1 << len(COMPONENTS))}
    # Group every run by what its raw counts depend on, so each group's counts are computed once.
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    for spec in plan:
        groups.setdefault(spec.config.stops_key, {"configs": {}, "writes": []})["writes"].append(spec)
    for cfg in lattice.values():
        groups.setdefault(cfg.stops_key, {"configs": {}, "writes": []})["configs"][cfg] = None
    totals: dict[Config, RunTotals] = {}
    n_written, n_groups = 0, len(groups)
    for gi, (_, group) in enumerate(groups.items()):
        writes: list[ReleaseSpec] = group["writes"]
        first = writes[0].config if writes else next(iter(group["configs"]))
        configs: list[Config] = list(dict.fromkeys([*group["configs"], *(w.config for w in writes)]))
        done = run_group(pipe, first, configs, writes, out_dir, totals)
        for _ in range(done):
            n_written += 1
            if progress:
                progress("write releases", n_written, len(plan))
        if progress:
            progress("simulate runs", gi + 1, n_groups)
    gt = build_ground_truth(pipe, plan, lattice, totals)
    gt_path = out_dir / "ground_truth.json"
    write_text(gt_path, json.dumps(gt, indent=1, sort_keys=False, allow_nan=False) + "\n")
    if progress:
        progress("ground truth", 1, 1)
    return SampleResult(out_dir=out_dir, release_dirs=[out_dir / r.release_id for r in plan],
                        release_ids=[r.release_id for r in plan], current_id=s.current_id,
                        candidate_id=s.candidate_id, ground_truth=gt_path, preset=s.preset, seed=s.seed)
