"""The runs: which releases and ablations to write, the 2^5 lattice of component swaps, and one group's counts.

Runs whose attributed stops are the same share one computation of raw counts (normalization only rescales).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dashboard.simulator.constants import (
    CANDIDATE_DESCRIPTION,
    CANDIDATE_VERSIONS,
    COMPONENTS,
    CURRENT_DESCRIPTION,
    CURRENT_VERSIONS,
    HISTORY_DESCRIPTIONS,
    HISTORY_VERSIONS,
    POI_DB_VERSIONS,
    REGIONS,
    SOURCES,
)
from dashboard.simulator.pipeline import Config, Pipeline, cell_uniforms, poisson_quantile
from dashboard.simulator.settings import Settings
from dashboard.simulator.snapshot import ReleaseSpec, ReleaseWriter


@dataclass
class RunTotals:
    """What the ground truth needs from a run: totals per place, per region x source x day, per segment."""

    place: np.ndarray
    region_source_day: np.ndarray
    segment: np.ndarray

    @property
    def total(self) -> float:
        return float(self.place.sum())


def subset_config(current: Config, candidate: Config, swapped: Iterable[str]) -> Config:
    """The current configuration with the given components set to the candidate's versions."""
    sw = set(swapped)
    return Config.of({c: (candidate[c] if c in sw else current[c]) for c in COMPONENTS})


def release_plan(s: Settings) -> list[ReleaseSpec]:
    """The folders to write, in ingestion order: history, current, candidate, then the ablations."""
    cur, cand = Config.of(CURRENT_VERSIONS), Config.of(CANDIDATE_VERSIONS)
    plan: list[ReleaseSpec] = []
    if s.write_history:
        for rid, created, versions, desc in zip(s.history_ids, s.history_created, HISTORY_VERSIONS,
                                                HISTORY_DESCRIPTIONS, strict=False):
            plan.append(ReleaseSpec(rid, "release", None, created, desc, Config.of(versions),
                                    s.days - s.history_short_days))
    plan.append(ReleaseSpec(s.current_id, "release", None, s.current_created, CURRENT_DESCRIPTION, cur, s.days))
    plan.append(ReleaseSpec(s.candidate_id, "release", None, s.candidate_created, CANDIDATE_DESCRIPTION, cand, s.days))
    if s.write_ablations:
        built = dt.datetime.fromisoformat(s.candidate_created.replace("Z", "+00:00")) + dt.timedelta(hours=2)
        for i, comp in enumerate(COMPONENTS):
            stamp = (built + dt.timedelta(minutes=10 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
            plan.append(ReleaseSpec(
                f"{s.candidate_id}-abl-{comp}", "ablation", s.current_id, stamp,
                f"ablation: {s.current_id} rebuilt with {comp} = {cand[comp]} from {s.candidate_id} "
                f"(one component swapped)",
                subset_config(cur, cand, [comp]), s.days))
        for i, comp in enumerate(COMPONENTS):
            stamp = (built + dt.timedelta(minutes=10 * (i + len(COMPONENTS)))).strftime("%Y-%m-%dT%H:%M:%SZ")
            others = [c for c in COMPONENTS if c != comp]
            plan.append(ReleaseSpec(
                f"{s.candidate_id}-abl-all-but-{comp}", "ablation", s.current_id, stamp,
                f"ablation: {s.candidate_id} without its {comp} change ({s.current_id} rebuilt with every "
                f"component but {comp} at {s.candidate_id}'s versions)",
                subset_config(cur, cand, others), s.days))
    return plan


def run_group(pipe: Pipeline, cfg: Config, configs: list[Config], writes: list[ReleaseSpec], out_dir: Path,
              totals: dict[Config, RunTotals]) -> int:
    """Compute one stops configuration's counts in place chunks; write its releases, total its runs."""
    w, s = pipe.w, pipe.s
    db = POI_DB_VERSIONS[cfg["poi_db"]]
    listed = np.flatnonzero(pipe.listed(db))
    ids = pipe.ids(db)
    order = listed[np.argsort(ids[listed].astype(str), kind="stable")]
    first_day = pipe.first_day(db)
    expected = pipe.attributed(cfg)
    factors = {c: pipe.factors(c) for c in configs}
    writers = [ReleaseWriter(spec, out_dir / spec.release_id, pipe) for spec in writes]
    acc = {c: RunTotals(np.zeros(w.n), np.zeros((len(REGIONS), len(SOURCES), s.days)), np.zeros(pipe.G))
           for c in configs}
    start = np.datetime64(s.start, "D")
    for lo in range(0, len(order), s.chunk_places):
        qs = order[lo:lo + s.chunk_places]
        lam = expected[qs]
        u = cell_uniforms(s.seed, qs, s.days, len(SOURCES), pipe.G)
        raw = poisson_quantile(u, lam).reshape(lam.shape)
        fd = first_day[qs]
        mask = (np.arange(s.days)[None, :] >= fd[:, None])[:, :, None, None]
        raw = raw * mask
        by_norm: dict[tuple[Any, ...], np.ndarray] = {}
        for c in configs:
            if c.norm_key not in by_norm:
                by_norm[c.norm_key] = raw * factors[c][qs][:, None, None, :]
            vis = by_norm[c.norm_key]
            a = acc[c]
            a.place[qs] += vis.sum(axis=(1, 2, 3))
            per = vis.sum(axis=3)  # (q, days, sources)
            for r in range(len(REGIONS)):
                a.region_source_day[r] += per[w.region[qs] == r].sum(axis=0).T
            a.segment += vis.sum(axis=(0, 1, 2))
        for wr in writers:
            vis = by_norm[wr.spec.config.norm_key]
            wr.write(ids[qs], fd, raw, vis, start, s.segments)
    for wr in writers:
        wr.close(pipe.places_table(db))
    totals.update(acc)
    return len(writers)
