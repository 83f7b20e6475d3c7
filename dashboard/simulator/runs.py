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
    OLDER_HISTORY,
    POI_DB_VERSIONS,
    REGIONS,
    REPLICATE_SEED_OFFSETS,
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
    #: Per place: Σ f²·λ over its cells (f visits per raw visit, λ the expected raw count), the variance of
    #: its visits under re-sampling of the panel draws (Poisson), and Σ f·λ, their expectation.
    place_var: np.ndarray | None = None
    place_mean: np.ndarray | None = None

    @property
    def total(self) -> float:
        return float(self.place.sum())


def subset_config(current: Config, candidate: Config, swapped: Iterable[str]) -> Config:
    """The current configuration with the given components set to the candidate's versions."""
    sw = set(swapped)
    return Config.of({c: (candidate[c] if c in sw else current[c]) for c in COMPONENTS})


def release_plan(s: Settings) -> list[ReleaseSpec]:
    """The folders to write, in ingestion order: history, current, candidate, the ablations, then the older
    monthly history and the replicates of the current release (appended, so the order before them holds)."""
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
    if s.write_history:
        for rid, created, versions, desc, offset in OLDER_HISTORY:
            plan.append(ReleaseSpec(rid, "release", None, created, desc, Config.of(versions),
                                    s.days - s.history_short_days, offset))
    made = dt.datetime.fromisoformat(s.current_created.replace("Z", "+00:00")) + dt.timedelta(hours=1)
    for i, offset in enumerate(REPLICATE_SEED_OFFSETS[:s.replicates]):
        stamp = (made + dt.timedelta(minutes=10 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        plan.append(ReleaseSpec(
            f"{s.current_id}-rep{i + 1}", "replicate", s.current_id, stamp,
            f"replicate {i + 1} of {s.current_id}: the same components re-run with another panel sampling seed",
            cur, s.days, offset))
    return plan


def resample(seed: int, offset: int, places: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Fresh Poisson counts for a run with its own sampling seed: one generator per world place, so the
    counts do not depend on how places are chunked. (No common random numbers here: a re-sampled run is
    meant to differ from the others by sampling noise.)"""
    out = np.empty(lam.shape, dtype=np.int64)
    for i, q in enumerate(places):
        out[i] = np.random.default_rng([seed, offset, int(q)]).poisson(lam[i])
    return out


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
    acc = {c: RunTotals(np.zeros(w.n), np.zeros((len(REGIONS), len(SOURCES), s.days)), np.zeros(pipe.G),
                        np.zeros(w.n), np.zeros(w.n)) for c in configs}
    start = np.datetime64(s.start, "D")
    replicated = {wr.spec.config for wr in writers if wr.spec.kind == "replicate"}
    for lo in range(0, len(order), s.chunk_places):
        qs = order[lo:lo + s.chunk_places]
        lam = expected[qs]
        fd = first_day[qs]
        mask = (np.arange(s.days)[None, :] >= fd[:, None])[:, :, None, None]
        raws: dict[int, np.ndarray] = {}
        u = cell_uniforms(s.seed, qs, s.days, len(SOURCES), pipe.G)
        raw = raws[0] = poisson_quantile(u, lam).reshape(lam.shape) * mask
        for offset in sorted({wr.spec.seed_offset for wr in writers} - {0}):
            raws[offset] = resample(s.seed, offset, qs, lam) * mask
        by_norm: dict[tuple[Any, ...], np.ndarray] = {}
        for c in configs:
            if c.norm_key not in by_norm:
                by_norm[c.norm_key] = raw * factors[c][qs][:, None, None, :]
            vis = by_norm[c.norm_key]
            a = acc[c]
            a.place[qs] += vis.sum(axis=(1, 2, 3))
            if c in replicated:
                f = factors[c][qs][:, None, None, :]
                lam_in = lam * mask
                assert a.place_var is not None and a.place_mean is not None
                a.place_var[qs] += (lam_in * f * f).sum(axis=(1, 2, 3))
                a.place_mean[qs] += (lam_in * f).sum(axis=(1, 2, 3))
            per = vis.sum(axis=3)  # (q, days, sources)
            for r in range(len(REGIONS)):
                a.region_source_day[r] += per[w.region[qs] == r].sum(axis=0).T
            a.segment += vis.sum(axis=(0, 1, 2))
        for wr in writers:
            if wr.spec.seed_offset:  # another sampling seed: its own counts, the same normalization
                r = raws[wr.spec.seed_offset]
                wr.write(ids[qs], fd, r, r * factors[wr.spec.config][qs][:, None, None, :], start, s.segments)
            else:
                wr.write(ids[qs], fd, raw, by_norm[wr.spec.config.norm_key], start, s.segments)
    for wr in writers:
        wr.close(pipe.places_table(db))
    totals.update(acc)
    return len(writers)
