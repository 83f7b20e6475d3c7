"""The pipeline's components applied to the world: source ingest, stop detection, places database,
attribution of stops to places, normalization; and the fixed draws that turn expected stops into counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
from scipy import sparse, special
from scipy.spatial import cKDTree

from dashboard.simulator.constants import (
    ATTRIBUTION_VERSIONS,
    CALIBRATION,
    CAT_INDEX,
    CATEGORIES,
    COMPONENTS,
    FOOTPRINT_SIGMA_PER_SQRT_M2,
    GAUSS_CUTOFF_SIGMAS,
    GAUSS_MAX_M,
    NEIGHBOURS,
    NORM_V0_REGION_SCALE,
    NORMALIZATION_VERSIONS,
    POI_DB_VERSIONS,
    POINT_RADIUS_M,
    REGIONS,
    SEGMENTS,
    SHORT_DWELL_LOSS,
    SOURCE_INGEST_VERSIONS,
    SOURCE_REGION_TILT,
    SOURCE_SHARE,
    SOURCE_SIGMA_M,
    SOURCES,
    STOP_DETECTION_VERSIONS,
)
from dashboard.simulator.world import World, splitmix


@dataclass(frozen=True)
class Config:
    """A pipeline configuration: one version string per component."""

    versions: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, versions: Mapping[str, str]) -> Config:
        return cls(tuple((c, versions[c]) for c in COMPONENTS))

    def __getitem__(self, component: str) -> str:
        return dict(self.versions)[component]

    def as_dict(self) -> dict[str, str]:
        return dict(self.versions)

    @property
    def stops_key(self) -> tuple[Any, ...]:
        """What the attributed panel stops depend on (everything but normalization)."""
        return (self["source_ingest"], POI_DB_VERSIONS[self["poi_db"]],
                STOP_DETECTION_VERSIONS[self["stop_detection"]], ATTRIBUTION_VERSIONS[self["attribution"]])

    @property
    def norm_key(self) -> tuple[Any, ...]:
        return (NORMALIZATION_VERSIONS[self["normalization"]], SOURCE_INGEST_VERSIONS[self["source_ingest"]]["sources"])


class Pipeline:
    """Applies component versions to one world; kernels and listings are cached across runs."""

    def __init__(self, world: World) -> None:
        self.w = world
        self.s = world.settings
        self._kernels: dict[tuple[int, str, str], sparse.csr_matrix] = {}
        self.G = len(SEGMENTS) if self.s.segments else 1
        reg = [REGIONS[r] for r in world.region_names]
        share = np.array([[SOURCE_SHARE[src] * SOURCE_REGION_TILT.get((src, rn), 1.0) for src in SOURCES]
                          for rn in world.region_names])
        share /= share.sum(axis=1, keepdims=True)
        self.coverage = share * np.array([r["panel"] for r in reg])[:, None]  # (regions, sources)

    # -- poi_db ------------------------------------------------------------------------------------------
    def listed(self, db: int) -> np.ndarray:
        w = self.w
        return (w.added_in <= db) & (w.removed_in > db)

    def first_day(self, db: int) -> np.ndarray:
        """First day a listed place has rows: a database that knows an opening date honours it."""
        w = self.w
        return np.where((w.added_in >= 3) & (w.added_in <= db), w.open_day, 0)

    def ids(self, db: int) -> np.ndarray:
        w = self.w
        return np.where(w.rekey_in <= db, w.ids_new, w.ids_old)

    def categories(self, db: int) -> np.ndarray:
        w = self.w
        to = CAT_INDEX[self.s.relabel_to]
        return np.where(w.relabel & (db >= 3), to, w.cat)

    def polygons(self, db: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Centroid (x, y) and building area per place as that database version has them."""
        w = self.w
        return w.x + w.db_jitter[:, 0], w.y + w.db_jitter[:, 1], w.area

    def lot_in_polygon(self, db: int) -> np.ndarray:
        """Places whose polygon in this database version includes their parking lot."""
        return self.w.parking & (db >= 3)

    def places_table(self, db: int) -> pa.Table:
        w = self.w
        idx = np.flatnonzero(self.listed(db))
        ids = self.ids(db)
        order = idx[np.argsort(ids[idx].astype(str), kind="stable")]
        cats = self.categories(db)
        px, py, _ = self.polygons(db)
        lat = (py / 110_540.0)[order]
        lon = (px / (111_320.0 * np.cos(np.radians(w.lat0))))[order]
        par = w.parent[order]
        subs = []
        for i in order:
            c = CATEGORIES[cats[i]]
            subs.append(self.s.relabel_sub if (w.relabel[i] and db >= 3) else c.subs[w.sub[i] % len(c.subs)])
        return pa.table({
            "place_id": pa.array(ids[order].astype(str).tolist(), pa.string()),
            "name": pa.array([w.names[i] for i in order], pa.string()),
            "brand": pa.array([w.brand_names[b] if b >= 0 else None for b in w.brand[order]], pa.string()),
            "category": pa.array([CATEGORIES[c].name for c in cats[order]], pa.string()),
            "region": pa.array([w.region_names[r] for r in w.region[order]], pa.string()),
            "city": pa.array([w.city_names[c] for c in w.city[order]], pa.string()),
            "sub_category": pa.array(subs, pa.string()),
            "parent_place_id": pa.array([str(ids[p]) if p >= 0 else None for p in par], pa.string()),
            "latitude": pa.array(np.round(lat, 6), pa.float64()),
            "longitude": pa.array(np.round(lon, 6), pa.float64()),
        })

    # -- attribution -------------------------------------------------------------------------------------
    def _neighbours(self, db: int, src: str) -> tuple[np.ndarray, np.ndarray]:
        """The nearest listed places of every scattered stop sample (distance, world index; -1 = none)."""
        w = self.w
        listed = np.flatnonzero(self.listed(db))
        px, py, _ = self.polygons(db)
        tree = cKDTree(np.c_[px[listed], py[listed]])
        sig = np.sqrt(w.o_sigma**2 + SOURCE_SIGMA_M[src] ** 2)
        assert w.z is not None
        pts = np.stack([w.o_x, w.o_y], axis=1)[:, None, :] + w.z * sig[:, None, None]
        k = min(NEIGHBOURS, len(listed))
        dist, ix = tree.query(pts.reshape(-1, 2), k=k, distance_upper_bound=400.0)
        dist = dist.reshape(-1, k)
        ix = ix.reshape(-1, k)
        valid = ix < len(listed)
        place = np.where(valid, listed[np.minimum(ix, len(listed) - 1)], -1)
        return np.where(valid, dist, np.inf), place

    def kernel(self, db: int, method: str, src: str) -> sparse.csr_matrix:
        """Origin -> listed place assignment shares for one source (rows: origins, columns: world places)."""
        key = (db, method, src)
        if key not in self._kernels:
            dist, place = self._neighbours(db, src)  # both methods from one query, then dropped (memory)
            for m in ("point_radius", "gauss"):
                self._kernels[(db, m, src)] = self._assign(db, m, src, dist, place)
        return self._kernels[key]

    def _assign(self, db: int, method: str, src: str, dist: np.ndarray, place: np.ndarray) -> sparse.csr_matrix:
        w = self.w
        K = self.s.kernel_samples
        if method == "point_radius":
            chosen = np.where(dist[:, 0] <= POINT_RADIUS_M, place[:, 0], -1)
        else:
            area = self.polygons(db)[2]
            fp = FOOTPRINT_SIGMA_PER_SQRT_M2 * np.sqrt(area)
            sig2 = fp[np.maximum(place, 0)] ** 2 + SOURCE_SIGMA_M[src] ** 2
            score = np.where(np.isfinite(dist), -dist**2 / (2 * sig2) - np.log(sig2), -np.inf)
            best = np.argmax(score, axis=1)
            rows = np.arange(len(best))
            ok = dist[rows, best] <= np.minimum(GAUSS_CUTOFF_SIGMAS * np.sqrt(sig2[rows, best]), GAUSS_MAX_M)
            chosen = np.where(ok, place[rows, best], -1)
        origin = np.repeat(np.arange(len(w.o_x)), K)
        # Polygon containment comes first: a stop inside a lot that a polygon includes belongs to its store.
        lot_owner = w.o_is_lot & self.lot_in_polygon(db)[w.o_place]
        if lot_owner.any():
            assert w.z is not None
            sig = np.sqrt(w.o_sigma**2 + SOURCE_SIGMA_M[src] ** 2)
            radius = np.sqrt((w.z**2).sum(axis=2)) * sig[:, None]  # (origins, K) distance from the lot centre
            inside = (radius <= np.sqrt(w.lot_area[w.o_place] / np.pi)[:, None]) & lot_owner[:, None]
            chosen = np.where(inside.ravel(), w.o_place[origin], chosen)
        keep = chosen >= 0
        m = sparse.csr_matrix((np.full(int(keep.sum()), 1.0 / K), (origin[keep], chosen[keep])),
                              shape=(len(w.o_x), w.n))
        m.sum_duplicates()
        return m

    # -- source_ingest, stop_detection, attribution: expected attributed stops --------------------------------
    def attributed(self, cfg: Config) -> np.ndarray:
        """Expected attributed panel stops, shape (places, days, sources, segments)."""
        w, s = self.w, self.s
        si = SOURCE_INGEST_VERSIONS[cfg["source_ingest"]]
        db = POI_DB_VERSIONS[cfg["poi_db"]]
        dwell = STOP_DETECTION_VERSIONS[cfg["stop_detection"]]
        method = ATTRIBUTION_VERSIONS[cfg["attribution"]]
        o_cat = w.cat[w.o_place]
        detect = np.ones(len(o_cat))
        if dwell >= 5:
            detect = 1.0 - np.array([SHORT_DWELL_LOSS.get(int(c), 0.02) for c in o_cat])
        o_region = w.region[w.o_place]
        base = w.demand[w.o_place] * (w.o_share * detect)[:, None]  # (origins, days)
        mix = w.mix[w.o_place] if s.segments else np.ones((len(o_cat), 1))
        out = np.zeros((w.n, s.days, len(SOURCES), self.G))
        loss_day = int((np.datetime64(s.loss_date) - np.datetime64(s.start)).astype(np.int64))
        loss_r = w.region_names.index(s.loss_region)
        for j, src in enumerate(SOURCES):
            if src not in si["sources"]:
                continue
            stops = base * self.coverage[o_region, j][:, None]
            if si["device_loss"] and src == s.loss_source:
                hit = o_region == loss_r
                stops[np.ix_(hit, np.arange(s.days) >= loss_day)] *= 1.0 - s.loss_fraction
            x = (stops[:, :, None] * mix[:, None, :]).reshape(len(o_cat), s.days * self.G)
            a = self.kernel(db, method, src).T @ x
            out[:, :, j, :] = np.asarray(a).reshape(w.n, s.days, self.G)
        return out

    # -- normalization -----------------------------------------------------------------------------------
    def factors(self, cfg: Config) -> np.ndarray:
        """Visits per raw panel visit, per place and segment: population over devices, re-weighted."""
        w, s = self.w, self.s
        version, sources = cfg.norm_key
        region_scale = {r: 1.0 for r in w.region_names}
        seg_w = {g: 1.0 for g in SEGMENTS}
        if version == 0:
            region_scale.update(NORM_V0_REGION_SCALE)
        if version >= 2:
            region_scale.update(dict(s.norm_region_scale))
            seg_w.update(dict(s.norm_segment_weight))
        cov = self.coverage[:, [SOURCES.index(x) for x in sources]].sum(axis=1)  # (regions,)
        per_region = np.array([region_scale[r] for r in w.region_names]) * CALIBRATION / cov
        f = per_region[w.region]
        segw = np.array([seg_w[g] for g in SEGMENTS])
        if s.segments:
            return f[:, None] * segw[None, :]
        return (f * (w.mix @ segw))[:, None]


def poisson_quantile(u: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Inverse Poisson CDF at u, vectorised: exact running sum for small means, Cornish-Fisher above 30.

    Using a fixed u per cell (common random numbers) makes the count a monotone function of its mean, so a
    component that lowers a mean by 20% lowers the counts by about 20% and leaves every other cell alone.
    """
    u = np.asarray(u, dtype=np.float64).ravel()
    lam = np.asarray(lam, dtype=np.float64).ravel()
    out = np.zeros(lam.shape, dtype=np.int64)
    big = lam >= 30.0
    if big.any():
        lb = lam[big]
        z = special.ndtri(np.clip(u[big], 1e-12, 1 - 1e-12))
        out[big] = np.maximum(0, np.floor(lb + z * np.sqrt(lb) + (z * z - 1) / 6 + 0.5)).astype(np.int64)
    idx = np.flatnonzero(~big & (lam > 0))
    if idx.size:
        lm, uu = lam[idx], u[idx]
        p = np.exp(-lm)
        cdf = p.copy()
        k = 0
        while idx.size:
            more = uu > cdf
            idx, lm, uu, p, cdf = idx[more], lm[more], uu[more], p[more], cdf[more]
            k += 1
            out[idx] = k
            p = p * lm / k
            cdf = cdf + p
            if k > 200:
                break
    return out


def cell_uniforms(seed: int, places: np.ndarray, days: int, n_sources: int, n_segments: int) -> np.ndarray:
    """A fixed uniform per (world place, day, source, segment), independent of chunking or run."""
    q = places.astype(np.uint64)[:, None, None, None]
    d = np.arange(days, dtype=np.uint64)[None, :, None, None]
    src = np.arange(n_sources, dtype=np.uint64)[None, None, :, None]
    g = np.arange(n_segments, dtype=np.uint64)[None, None, None, :]
    key = ((q * np.uint64(4096) + d) * np.uint64(16) + src) * np.uint64(8) + g
    salt = splitmix(np.array([seed * 7919 + 17], dtype=np.uint64))[0]
    h = splitmix(key ^ salt)
    return ((h >> np.uint64(11)).astype(np.float64) + 0.5) * (1.0 / 9007199254740992.0)
