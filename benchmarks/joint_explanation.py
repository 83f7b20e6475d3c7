"""Benchmark: relcheck's joint explanation against wise-pizza's explain_changes_in_totals (issue 15).

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/joint_explanation.py [--seeds 40]``. wise-pizza is a
benchmark-only dependency: ``pip install -e '.[bench]'`` (or ``pip install wise-pizza==0.2.9``).

**Scenarios.** A synthetic scope at the scale of the large preset, built here (not by the simulator):
6 regions × 20 categories × 60 brands (3 per category, plus independents, brand None, in every
category) × 4 sources × 2 segments = 3,840 finest cells, about 1.8e8 visits per release. Places per
brand and region are lognormal; visits per cell = places × visits per place (lognormal per category and
brand) × source share (A 10 %, B 45 %, C 35 %, D 10 %, varied ±30 % by region) × segment share
(commuters 55–70 %). The candidate is the current release times an independent noise of 1 % per cell
(``--noise``)
(a release with the same panel but re-run pipeline), then 2 to 5 changes of random kind, size and place:

- ``device_loss``: a source loses 10–40 % of its devices in one region (all of its cells there);
- ``region_scale``: the normalisation scales one region by ±3–15 %;
- ``relabel``: every place of one brand (drawn in proportion to its visits) moves from its category to another category (visits unchanged,
  the cells change key: the old ones vanish, new ones appear);
- ``brand_move``: the matcher moves 15–50 % of one brand's visits (drawn in proportion to its visits)
  to another brand of its category (drawn uniformly).

Regions and sources are drawn uniformly; a brand is hit by at most one change.

**Found.** Each injected change has one or more signatures (a mapping dimension → value):
device_loss ``{source, region}``; region_scale ``{region}``; relabel ``{brand}``, ``{category: old}`` or
``{category: new}``; brand_move ``{brand: from}`` or ``{brand: to}``. A reported segment (its dimensions
and values) *matches* a signature when it is equal to it, or when it is a pair that contains it (e.g.
``region=W ∧ category=grocery`` matches ``{region: W}``; ``source=B`` alone does not match
``{source: B, region: W}``). A change is *found* when one of the first 5 reported segments matches one
of its signatures. **Recall** = changes found / changes injected; **precision** = reported segments
(first 5) that match some injected change / segments reported. **Time** = wall time of one call,
cells already in memory (relcheck: a list of dicts; wise-pizza: the two pandas frames), median over
the seeds.

wise-pizza runs with its defaults for totals (``how="totals"``, Lasso, ``max_depth=2``) and
``max_segments=5``; its segments are read from ``sf.segments[i]["segment"]``; the size column is the
number of places. The table goes to stdout and ``benchmarks/results/joint_explanation.md``.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
import warnings
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dashboard.attribution.joint import DIMENSIONS, MIN_SHARE, joint_explanation  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "joint_explanation.md"
TOP = 5
REGIONS = ("NE", "SE", "MW", "W", "SW", "NW")
SOURCES = ("sdk_a", "sdk_b", "bidstream_c", "wifi_d")
SOURCE_SHARE = (0.10, 0.45, 0.35, 0.10)
SEGMENTS = ("commuters", "visitors")
N_CATEGORIES, BRANDS_PER_CATEGORY = 20, 3
KINDS = ("device_loss", "region_scale", "relabel", "brand_move")

Key = tuple[str, str, str, str | None, str]  # source, region, category, brand, segment
Signature = dict[str, Any]


def world(rng: np.random.Generator) -> tuple[dict[Key, tuple[float, float]], dict[str | None, str]]:
    """Current visits and places per finest cell, and each brand's category."""
    cats = [f"cat{i:02d}" for i in range(N_CATEGORIES)]
    brand_cat: dict[str | None, str] = {}
    cells: dict[Key, tuple[float, float]] = {}
    region_bias = {r: rng.uniform(0.7, 1.3, len(SOURCES)) for r in REGIONS}
    seg_share = {c: rng.uniform(0.55, 0.70) for c in cats}
    for ci, cat in enumerate(cats):
        per_place = rng.lognormal(np.log(45.0 * 91), 0.5)  # visits per place over a 91-day window
        brands: list[str | None] = [f"brand{ci:02d}{j}" for j in range(BRANDS_PER_CATEGORY)] + [None]
        for brand in brands:
            if brand is not None:
                brand_cat[brand] = cat
            brand_level = per_place * rng.lognormal(0.0, 0.2)
            size = rng.lognormal(np.log(200.0 if brand is None else 40.0), 0.8)
            for region in REGIONS:
                places = max(1.0, round(size * rng.lognormal(0.0, 0.5)))
                shares = np.array(SOURCE_SHARE) * region_bias[region]
                shares /= shares.sum()
                for source, sshare in zip(SOURCES, shares, strict=True):
                    for segment, gshare in zip(SEGMENTS, (seg_share[cat], 1 - seg_share[cat]), strict=True):
                        visits = places * brand_level * sshare * gshare
                        cells[(source, region, cat, brand, segment)] = (visits, places)
    return cells, brand_cat


def inject(rng: np.random.Generator, cur: dict[Key, tuple[float, float]], brand_cat: dict[str | None, str],
           n_changes: int, noise: float = 0.01) -> tuple[dict[Key, float], dict[Key, float], list[tuple[str, list[Signature]]]]:
    """The candidate's visits and places per cell after noise and n_changes injected changes."""
    cand = {k: v * rng.normal(1.0, noise) for k, (v, _) in cur.items()}
    places = {k: p for k, (_, p) in cur.items()}
    brands = [b for b in brand_cat if b is not None]
    weight = dict.fromkeys(brands, 0.0)
    for k, (v, _) in cur.items():
        if k[3] is not None:
            weight[k[3]] += v

    def pick_brand() -> str:
        # a brand drawn in proportion to its visits: a change that hits a random visit
        free = [b for b in brands if b not in used_brands]
        p = np.array([weight[b] for b in free])
        return str(rng.choice(free, p=p / p.sum()))
    cats = sorted(set(brand_cat.values()))
    truth: list[tuple[str, list[Signature]]] = []
    used_brands: set[str] = set()
    for _ in range(n_changes):
        kind = KINDS[int(rng.integers(len(KINDS)))]
        if kind == "device_loss":
            source, region = SOURCES[int(rng.integers(4))], REGIONS[int(rng.integers(6))]
            loss = rng.uniform(0.10, 0.40)
            for k in cand:
                if k[0] == source and k[1] == region:
                    cand[k] *= 1 - loss
            truth.append((kind, [{"source": source, "region": region}]))
        elif kind == "region_scale":
            region = REGIONS[int(rng.integers(6))]
            factor = 1 + rng.choice((-1, 1)) * rng.uniform(0.03, 0.15)
            for k in cand:
                if k[1] == region:
                    cand[k] *= factor
            truth.append((kind, [{"region": region}]))
        elif kind == "relabel":
            brand = pick_brand()
            used_brands.add(brand)
            old = brand_cat[brand]
            new = str(rng.choice([c for c in cats if c != old]))
            for k in [k for k in cand if k[3] == brand and k[2] == old]:
                nk = (k[0], k[1], new, k[3], k[4])
                cand[nk] = cand.get(nk, 0.0) + cand.pop(k)
                places[nk] = places.get(nk, 0.0) + places.pop(k)
            truth.append((kind, [{"brand": brand}, {"category": old}, {"category": new}]))
        else:
            src = pick_brand()
            used_brands.add(src)
            dst = str(rng.choice([b for b in brands if brand_cat[b] == brand_cat[src] and b != src]))
            share = rng.uniform(0.15, 0.50)
            for k in [k for k in cand if k[3] == src]:
                nk = (k[0], k[1], k[2], dst, k[4])
                moved = cand[k] * share
                cand[k] -= moved
                cand[nk] = cand.get(nk, 0.0) + moved
            truth.append((kind, [{"brand": src}, {"brand": dst}]))
    return cand, places, truth


def matches(segment: Signature, signature: Signature) -> bool:
    """Equal, or a pair that contains the signature (see the module docstring)."""
    if segment == signature:
        return True
    return len(segment) == 2 and len(signature) == 1 and signature.items() <= segment.items()


def score(reported: list[Signature], truth: list[tuple[str, list[Signature]]]) -> tuple[list[bool], int]:
    top = reported[:TOP]
    found = [any(matches(s, sig) for s in top for sig in sigs) for _, sigs in truth]
    good = sum(any(matches(s, sig) for _, sigs in truth for sig in sigs) for s in top)
    return found, good


def run_relcheck(cur: dict[Key, tuple[float, float]], cand: dict[Key, float],
                 min_share: float = MIN_SHARE) -> tuple[list[Signature], float]:
    rows = []
    for k in sorted(set(cur) | set(cand), key=str):
        row: dict[str, Any] = dict(zip(DIMENSIONS, k, strict=True))
        row["visits_current"] = cur[k][0] if k in cur else 0.0
        row["visits_candidate"] = cand.get(k, 0.0)
        rows.append(row)
    t0 = time.perf_counter()
    result = joint_explanation(rows, max_segments=TOP, min_share=min_share)
    elapsed = time.perf_counter() - t0
    total = sum(r["visits_candidate"] - r["visits_current"] for r in rows)
    assert abs(result.explained + result.unexplained - total) <= 1e-6 * max(1.0, result.total_movement)
    return [dict(zip(s.dimensions, s.values, strict=True)) for s in result.segments], elapsed


def run_wise_pizza(cur: dict[Key, tuple[float, float]], cand: dict[Key, float],
                   places: dict[Key, float]) -> tuple[list[Signature], float]:
    import pandas as pd
    from wise_pizza import explain_changes_in_totals

    def frame(rows: dict[Key, tuple[float, float]]) -> pd.DataFrame:
        df = pd.DataFrame([(*k, v, p) for k, (v, p) in rows.items()],
                          columns=[*DIMENSIONS, "visits", "places"])
        df["brand"] = df["brand"].fillna("(independent)")
        return df

    df1 = frame(cur)
    df2 = frame({k: (v, places[k]) for k, v in cand.items()})
    t0 = time.perf_counter()
    logging.getLogger().setLevel(logging.ERROR)  # wise-pizza logs a deprecation on every call
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sf = explain_changes_in_totals(df1, df2, dims=list(DIMENSIONS), total_name="visits", size_name="places",
                                       max_segments=TOP, max_depth=2, how="totals")
    elapsed = time.perf_counter() - t0
    out = []
    for s in sf.segments:
        seg = {d: (None if v == "(independent)" else v) for d, v in s["segment"].items()}
        if "No unusual segments" not in seg:
            out.append(seg)
    return out, elapsed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=40, help="scenarios per number of changes (default 40)")
    ap.add_argument("--no-peer", action="store_true", help="relcheck only (wise-pizza not needed)")
    ap.add_argument("--min-share", type=float, default=MIN_SHARE,
                    help=f"relcheck's stopping share of the movement (default {MIN_SHARE})")
    ap.add_argument("--noise", type=float, default=0.01, help="relative noise per cell (default 0.01)")
    args = ap.parse_args(argv)
    peer = not args.no_peer
    if peer:
        try:
            import wise_pizza  # noqa: F401
        except ImportError:
            print("wise-pizza is not installed. It is a benchmark-only dependency:\n"
                  "    .venv/bin/pip install -e '.[bench]'     (or: .venv/bin/pip install wise-pizza==0.2.9)\n"
                  "or run with --no-peer for relcheck alone.", file=sys.stderr)
            return 2
    methods: dict[str, Callable[..., tuple[list[Signature], float]]] = {"relcheck": run_relcheck}
    if peer:
        methods["wise-pizza"] = run_wise_pizza
    stats: dict[tuple[str, int], dict[str, Any]] = defaultdict(lambda: {"found": 0, "n": 0, "good": 0,
                                                                        "reported": 0, "times": []})
    misses: list[str] = []
    for n_changes in range(2, 6):
        for seed in range(args.seeds):
            rng = np.random.default_rng(1000 * n_changes + seed)
            cur, brand_cat = world(rng)
            cand, places, truth = inject(rng, cur, brand_cat, n_changes, args.noise)
            for name, fn in methods.items():
                reported, elapsed = (fn(cur, cand, args.min_share) if name == "relcheck" else fn(cur, cand, places))
                found, good = score(reported, truth)
                st = stats[(name, n_changes)]
                st["found"] += sum(found)
                st["n"] += len(found)
                st["good"] += good
                st["reported"] += min(len(reported), TOP)
                st["times"].append(elapsed)
                if name == "relcheck" and not all(found):
                    missed = [kind for (kind, _), f in zip(truth, found, strict=True) if not f]
                    misses.append(f"changes={n_changes} seed={seed} missed={missed} reported={reported[:TOP]}")
    lines = [f"Joint explanation: recall of injected changes in the top {TOP}, precision and time "
             f"({args.seeds} seeds per row; see benchmarks/joint_explanation.py)", "",
             "| changes | method | recall | precision | median time (s) | max time (s) |",
             "|---|---|---|---|---|---|"]
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for n_changes in range(2, 6):
        for name in methods:
            st = stats[(name, n_changes)]
            recall = st["found"] / st["n"]
            precision = st["good"] / st["reported"] if st["reported"] else float("nan")
            lines.append(f"| {n_changes} | {name} | {recall:.1%} | {precision:.1%} | "
                         f"{statistics.median(st['times']):.3f} | {max(st['times']):.3f} |")
            for i, key in enumerate(("found", "n", "good", "reported")):
                totals[name][i] += st[key]
    for name, (found, n, good, reported) in totals.items():
        lines.append(f"| all | {name} | {found / n:.1%} | {good / reported:.1%} | | |")
    table = "\n".join(lines) + "\n"
    print(table)
    if misses:
        print(f"relcheck missed a change in {len(misses)} scenarios; first ones:")
        print("\n".join(misses[:8]))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
