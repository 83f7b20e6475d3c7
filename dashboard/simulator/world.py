"""The world as it truly is: places laid out in regions and cities, their true demand, ids and names.

Built once per seed; every pipeline run reads it and none changes it, so runs differ only by components.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from dashboard.simulator.constants import (
    CAT_INDEX,
    CATEGORIES,
    CATEGORY_NOUNS,
    CATEGORY_REGION_TILT,
    FOOTPRINT_SIGMA_PER_SQRT_M2,
    GROCERY,
    HOLIDAYS,
    INDEPENDENT_WORDS,
    MALL_CAT,
    MALL_NOUNS,
    MALL_TENANT_CATS,
    PLACEKEY_ALPHABET,
    REGION_WEIGHT,
    REGIONS,
    STRIP_ANCHORS,
    STRIP_PADS,
)
from dashboard.simulator.settings import Settings


def _rng(seed: int, stream: int) -> np.random.Generator:
    """A separate generator per purpose, so sizes of one part never shift another part's draws."""
    return np.random.default_rng(np.random.SeedSequence([seed, stream]))


@dataclass
class World:
    """Places as they truly are, their true demand, and the stop origins attribution starts from."""

    settings: Settings
    n: int
    cat: np.ndarray
    sub: np.ndarray
    region: np.ndarray
    city: np.ndarray
    brand: np.ndarray  # index into brand_names, -1 independent
    brand_names: list[str]
    x: np.ndarray
    y: np.ndarray
    lat0: np.ndarray  # latitude of the place's city centre: the local projection's reference
    area: np.ndarray
    parent: np.ndarray
    names: list[str]
    mix: np.ndarray  # (n, 3) segment shares
    open_day: np.ndarray
    close_day: np.ndarray
    added_in: np.ndarray
    removed_in: np.ndarray
    rekey_in: np.ndarray
    relabel: np.ndarray
    parking: np.ndarray
    ids_old: np.ndarray
    ids_new: np.ndarray
    db_jitter: np.ndarray  # (n, 2) metres: the places database's centroid error
    lot_x: np.ndarray
    lot_y: np.ndarray
    lot_area: np.ndarray
    # origins of stops
    o_place: np.ndarray
    o_x: np.ndarray
    o_y: np.ndarray
    o_sigma: np.ndarray
    o_share: np.ndarray
    o_is_lot: np.ndarray
    demand: np.ndarray  # (n, days) true visits
    region_names: list[str] = field(default_factory=list)
    city_names: list[str] = field(default_factory=list)
    z: np.ndarray | None = None  # (n_origins, K, 2) standard normals for the kernels


def _choice(rng: np.random.Generator, options: Sequence[tuple[int, float]]) -> int:
    vals = np.array([o for o, _ in options])
    w = np.array([p for _, p in options], dtype=float)
    return int(vals[rng.choice(len(vals), p=w / w.sum())])


def build_world(s: Settings) -> World:
    """Lay out sites (malls, strip centres, standalone places), then demand, churn and ids."""
    rng = _rng(s.seed, 1)
    region_names = list(REGIONS)
    cities: list[tuple[int, str, float, float, float]] = []
    for r, rn in enumerate(region_names):
        for name, lat, lon, w in REGIONS[rn]["cities"]:
            cities.append((r, name, lat, lon, REGION_WEIGHT[rn] * w / sum(c[3] for c in REGIONS[rn]["cities"])))
    city_w = np.array([c[4] for c in cities])
    city_w /= city_w.sum()

    cat: list[int] = []
    city: list[int] = []
    dx: list[float] = []
    dy: list[float] = []
    parent: list[int] = []

    def add(c: int, ci: int, px: float, py: float, par: int = -1) -> int:
        cat.append(c)
        city.append(ci)
        dx.append(px)
        dy.append(py)
        parent.append(par)
        return len(cat) - 1

    # Malls first, from their own stream, so a mall operator's place ids do not depend on the sample size.
    mrng = _rng(s.seed, 2)
    by_size = [int(i) for i in np.argsort(-city_w, kind="stable")]
    for m in range(s.malls):
        ci = by_size[m % len(by_size)]
        cx, cy = mrng.normal(0, 700, 2)
        mi = add(MALL_CAT, ci, cx, cy)
        for _ in range(s.tenants_per_mall):
            ang, rad = mrng.uniform(0, 2 * np.pi), mrng.uniform(25, 130)
            add(_choice(mrng, MALL_TENANT_CATS), ci, cx + rad * np.cos(ang), cy + rad * np.sin(ang), mi)
    standalone = [(i, c.weight) for i, c in enumerate(CATEGORIES) if c.weight > 0]
    target = s.places + s.opened  # places opened in the candidate come on top of the current's count
    while len(cat) < target:
        ci = int(rng.choice(len(cities), p=city_w))
        downtown = rng.random() < 0.35
        cx, cy = rng.normal(0, 650 if downtown else 5500, 2)
        if rng.random() < 0.3:  # a strip centre: an anchor and pads sharing its lot
            add(_choice(rng, STRIP_ANCHORS), ci, cx, cy)
            for _ in range(int(rng.integers(1, 5))):
                if len(cat) >= target:
                    break
                ang, rad = rng.uniform(0, 2 * np.pi), rng.uniform(45, 120)
                add(_choice(rng, STRIP_PADS), ci, cx + rad * np.cos(ang), cy + rad * np.sin(ang))
        else:
            rn = region_names[cities[ci][0]]
            add(_choice(rng, [(c, wt * CATEGORY_REGION_TILT.get((CATEGORIES[c].name, rn), 1.0)) for c, wt in standalone]),
                ci, cx, cy)
    n = len(cat)
    cat_a = np.array(cat, dtype=np.int64)
    city_a = np.array(city, dtype=np.int64)
    region_a = np.array([cities[c][0] for c in city_a], dtype=np.int64)
    lat0 = np.array([cities[c][2] for c in city_a])
    lon0 = np.array([cities[c][3] for c in city_a])
    city_x0 = lon0 * 111_320.0 * np.cos(np.radians(lat0))
    city_y0 = lat0 * 110_540.0
    x = city_x0 + np.array(dx)
    y = city_y0 + np.array(dy)

    # Attributes: sub-category, brand, footprint, base demand, segment mix.
    brand_names = sorted({b for c in CATEGORIES for b, _, _ in c.brands})
    brand_ix = {b: i for i, b in enumerate(brand_names)}
    brand_effect = np.exp(_rng(s.seed, 3).normal(0, 0.15, len(brand_names)))
    sub = np.zeros(n, dtype=np.int64)
    brand = np.full(n, -1, dtype=np.int64)
    area = np.zeros(n)
    base = np.zeros(n)
    for i in range(n):
        c = CATEGORIES[cat_a[i]]
        sub[i] = int(rng.integers(len(c.subs))) if len(c.subs) > 1 and rng.random() < 0.3 else 0
        rn = region_names[region_a[i]]
        if c.brands and rng.random() < c.branded:
            w = np.array([bw * (1.0 if not core or rn in core else 0.1) for _, bw, core in c.brands])
            brand[i] = brand_ix[c.brands[int(rng.choice(len(w), p=w / w.sum()))][0]]
        area[i] = math.exp(rng.uniform(math.log(c.area[0]), math.log(c.area[1])))
        base[i] = c.median * math.exp(rng.normal(0, 0.55))
    # Every chain has a few places, so every brand a stakeholder can name exists (core regions first).
    min_per_brand = max(2, min(4, n // 150))
    for ci, c in enumerate(CATEGORIES):
        for b, _, core in c.brands:
            short = min_per_brand - int((brand == brand_ix[b]).sum())
            if short > 0:
                pool = [int(i) for i in np.flatnonzero((cat_a == ci) & (brand < 0))]
                pool.sort(key=lambda i: region_names[region_a[i]] not in core if core else False)
                brand[pool[:short]] = brand_ix[b]
    base *= np.where(brand >= 0, brand_effect[np.maximum(brand, 0)], 1.0)
    mix = np.array([CATEGORIES[c].mix for c in cat_a], dtype=float)
    tourism = np.array([REGIONS[region_names[r]]["tourism"] for r in region_a])
    mix[:, 2] *= tourism
    mix *= np.exp(rng.normal(0, 0.12, (n, 3)))
    mix /= mix.sum(axis=1, keepdims=True)

    # Churn between places-database versions, from its own stream.
    crng = _rng(s.seed, 4)
    parent_a = np.array(parent, dtype=np.int64)
    tenants = np.flatnonzero(parent_a >= 0)
    movable = np.flatnonzero((cat_a != MALL_CAT) & (parent_a < 0))
    order = crng.permutation(movable)
    k = 0

    def take(count: int) -> np.ndarray:
        nonlocal k
        out = order[k:k + count]
        k += count
        return out

    opened, closed, rekeyed = take(s.opened), take(s.closed), take(s.rekeyed)
    back1, back2 = take(s.backfilled // 2), take(s.backfilled - s.backfilled // 2)
    margin = min(14, s.days // 4)
    open_day = np.zeros(n, dtype=np.int64)
    close_day = np.full(n, s.days, dtype=np.int64)
    added_in = np.zeros(n, dtype=np.int64)
    removed_in = np.full(n, 99, dtype=np.int64)
    rekey_in = np.full(n, 99, dtype=np.int64)
    open_day[opened] = crng.integers(margin, s.days - margin, len(opened))
    added_in[opened] = 3
    close_day[closed] = crng.integers(margin, s.days - margin, len(closed))
    removed_in[closed] = 3
    rekey_in[rekeyed] = 3
    if len(tenants):  # a mall tenant re-keyed: an explicit place list goes stale
        rekey_in[tenants[0]] = 3
    added_in[back1] = 1
    added_in[back2] = 2
    relabel = (brand == brand_ix.get(s.relabel_brand, -2)) & (cat_a == CAT_INDEX[s.relabel_from])
    parking = np.isin(brand, [brand_ix[b] for b in s.parking_brands]) & (cat_a == GROCERY)

    # Grocery parking lots: a share of the store's stops lands there, 85-120 m from the store centroid.
    lot_x = np.full(n, np.nan)
    lot_y = np.full(n, np.nan)
    lot_area = np.zeros(n)
    lot_share = np.zeros(n)
    grocery = np.flatnonzero(cat_a == GROCERY)
    ang = crng.uniform(0, 2 * np.pi, len(grocery))
    rad = crng.uniform(85, 120, len(grocery))
    lot_x[grocery] = x[grocery] + rad * np.cos(ang)
    lot_y[grocery] = y[grocery] + rad * np.sin(ang)
    lot_area[grocery] = crng.uniform(4000, 8000, len(grocery))
    lot_share[grocery] = crng.uniform(*s.lot_share, len(grocery))

    # Origins: every place's footprint, and every lot.
    fp_sigma = FOOTPRINT_SIGMA_PER_SQRT_M2 * np.sqrt(area)
    o_place = np.concatenate([np.arange(n), grocery])
    o_x = np.concatenate([x, lot_x[grocery]])
    o_y = np.concatenate([y, lot_y[grocery]])
    o_sigma = np.concatenate([fp_sigma, np.full(len(grocery), 20.0)])
    o_share = np.concatenate([1.0 - lot_share, lot_share[grocery]])
    o_is_lot = np.concatenate([np.zeros(n, bool), np.ones(len(grocery), bool)])

    ids_old, ids_new = _placekeys(s.seed, x, y, rekey_in < 99)
    names = _names(s.seed, cat_a, brand, brand_names, city_a, [c[1] for c in cities])
    demand = _demand(s, cat_a, region_a, base, open_day, close_day)
    kr = _rng(s.seed, 5)
    z = kr.standard_normal((len(o_place), s.kernel_samples, 2))
    jitter = _rng(s.seed, 6).normal(0, 4.0, (n, 2))
    return World(
        settings=s, n=n, cat=cat_a, sub=sub, region=region_a, city=city_a, brand=brand, brand_names=brand_names,
        x=x, y=y, lat0=lat0, area=area, parent=parent_a,
        names=names, mix=mix, open_day=open_day, close_day=close_day, added_in=added_in, removed_in=removed_in,
        rekey_in=rekey_in, relabel=relabel, parking=parking, ids_old=ids_old, ids_new=ids_new,
        db_jitter=jitter, lot_x=lot_x, lot_y=lot_y, lot_area=lot_area, o_place=o_place, o_x=o_x, o_y=o_y,
        o_sigma=o_sigma, o_share=o_share, o_is_lot=o_is_lot, demand=demand, region_names=region_names,
        city_names=[c[1] for c in cities], z=z,
    )


def _demand(s: Settings, cat: np.ndarray, region: np.ndarray, base: np.ndarray, open_day: np.ndarray,
            close_day: np.ndarray) -> np.ndarray:
    """True visits per place and day: weekday and seasonal shape, holidays, regional weather, noise."""
    rng = _rng(s.seed, 7)
    dates = s.dates
    weekday = (dates.astype("datetime64[D]").astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    doy = (dates - dates.astype("datetime64[Y]")).astype(np.int64) + 1
    n_cat = len(CATEGORIES)
    shape = np.ones((n_cat, s.days))
    for ci, c in enumerate(CATEGORIES):
        dow = np.array(c.dow) / np.mean(c.dow)
        amp, peak = c.season
        shape[ci] = dow[weekday] * (1 + amp * np.cos(2 * np.pi * (doy - peak) / 365.25))
    for day, mult in HOLIDAYS.items():
        off = (np.datetime64(day) - dates[0]).astype(np.int64)
        if 0 <= off < s.days:
            for ci, c in enumerate(CATEGORIES):
                shape[ci, off] *= mult.get(c.name, mult["*"])
    regday = np.exp(rng.normal(0, 0.035, (len(REGIONS), s.days)))
    regday *= np.where(rng.random((len(REGIONS), s.days)) < 0.07, rng.uniform(0.75, 0.9, (len(REGIONS), s.days)), 1.0)
    cv = 0.12
    noise = rng.gamma(1 / cv**2, cv**2, (len(base), s.days))
    d = base[:, None] * shape[cat] * regday[region] * noise
    days = np.arange(s.days)
    d *= (days[None, :] >= open_day[:, None]) & (days[None, :] < close_day[:, None])
    return d


def splitmix(x: np.ndarray) -> np.ndarray:
    """SplitMix64 over uint64s: a hash that keys draws by identity (place, day), not by position."""
    with np.errstate(over="ignore"):
        z = x + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def _placekeys(seed: int, x: np.ndarray, y: np.ndarray, rekeyed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Placekey-style ids what@where: 'where' from a ~65 m grid cell, 'what' random; re-keys change 'what'."""
    cell = (np.floor(x / 65).astype(np.int64) * 1_000_003 + np.floor(y / 65).astype(np.int64)).astype(np.uint64)
    h = splitmix(cell ^ splitmix(np.uint64(seed) * np.ones(1, np.uint64))[0])
    where_digits = np.stack([(h >> np.uint64(5 * i)) % np.uint64(28) for i in range(9)], axis=1).astype(np.int64)
    rng = _rng(seed, 8)
    n = len(x)

    def whats(count: int) -> np.ndarray:
        return rng.integers(0, 28, (count, 6))

    def fmt(what: np.ndarray) -> np.ndarray:
        a = PLACEKEY_ALPHABET
        w = ["".join(a[r[:3]]) + "-" + "".join(a[r[3:]]) for r in what]
        wh = ["".join(a[r[:3]]) + "-" + "".join(a[r[3:6]]) + "-" + "".join(a[r[6:]]) for r in where_digits]
        return np.array([f"{p}@{q}" for p, q in zip(w, wh, strict=True)], dtype=object)

    old = fmt(whats(n))
    new_what = whats(n)
    new = fmt(new_what)
    new = np.where(rekeyed, new, old)
    # Extremely unlikely collisions are resolved deterministically by suffixing the 'what' part.
    for arr in (old, new):
        seen: dict[str, int] = {}
        for i, v in enumerate(arr):
            if v in seen and seen[v] != i:
                arr[i] = v.replace("@", f"-{i % 1000:03d}@", 1)
            seen[arr[i]] = i
    return old, new


def _names(seed: int, cat: np.ndarray, brand: np.ndarray, brand_names: list[str], city: np.ndarray,
           city_names: list[str]) -> list[str]:
    rng = _rng(seed, 9)
    counters: dict[tuple[str, int], int] = {}
    out: list[str] = []
    for i in range(len(cat)):
        c = CATEGORIES[cat[i]]
        if cat[i] == MALL_CAT:
            out.append(f"{city_names[city[i]]} {MALL_NOUNS[int(rng.integers(len(MALL_NOUNS)))]}")
        elif brand[i] >= 0:
            key = (brand_names[brand[i]], int(city[i]))
            counters[key] = counters.get(key, 0) + 1
            out.append(f"{key[0]} {city_names[city[i]]} #{counters[key]}")
        else:
            out.append(f"{INDEPENDENT_WORDS[int(rng.integers(len(INDEPENDENT_WORDS)))]} {CATEGORY_NOUNS[c.name]}")
    return out
