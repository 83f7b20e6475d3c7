"""An independent reference implementation of the consistency metrics (DESIGN section 5).

Written from the DESIGN text, not from the SQL in ``queries/``: it reads the raw snapshot files a test
wrote (``visits.parquet`` / ``visits.csv`` and ``places.parquet`` / ``places.csv``) with pandas and
recomputes every metric with plain pandas and ``scipy.stats`` (pearsonr, spearmanr with average ranks for
ties, binomtest). Tests compare the engine (``dashboard.metrics``) against it.

Scopes (DESIGN section 4) are resolved per release with that release's places table:

- ``all``: every place; ``category:X``, ``region:X``, ``brand:X`` (null brand = "(independent)"), ``place:ID``
- ``source:NAME`` / ``segment:NAME``: every place, only the visit rows of that source / user group
  (a missing segment means "all")
- ``customer:ID``: brand in brands + competitors (restricted to regions if given), plus place_ids
- ``deal:ID``: places matching every non-empty filter (categories, regions, brands), plus place_ids

Customers and deals are read by attribute (``brands``, ``competitors``, ``regions``, ``categories``,
``place_ids``), so plain objects or the stakeholders file's dataclasses both work.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

INDEPENDENT = "(independent)"
SMALL_CHANGE_PCT = 0.5
# Sums of floats carry rounding noise in their last bits, which must not decide a discrete outcome: totals
# equal to TIE_REL relative are tied ranks, a series varying by at most TIE_REL of its size is constant, and
# a growth within ZERO_PP of 0 has no sign.
TIE_REL = 1e-9
ZERO_PP = 1e-9


@dataclass(frozen=True)
class Snapshot:
    visits: pd.DataFrame  # place_id, date (datetime64 day), source, segment, visits, raw_visits (float, NaN = none)
    places: pd.DataFrame  # place_id, brand (None = independent), category, region, ...


def read_snapshot(folder: Path | str) -> Snapshot:
    """Read a snapshot folder as the pipeline delivered it (before any ingest)."""
    folder = Path(folder)
    vfile = next(p for p in (folder / "visits.parquet", folder / "visits.csv", folder / "visits.csv.gz") if p.exists())
    pfile = next(p for p in (folder / "places.parquet", folder / "places.csv") if p.exists())
    visits = pd.read_parquet(vfile) if vfile.suffix == ".parquet" else pd.read_csv(vfile)
    places = pd.read_parquet(pfile) if pfile.suffix == ".parquet" else pd.read_csv(pfile)
    visits = visits.copy()
    visits["date"] = pd.to_datetime(visits["date"]).dt.normalize()
    visits["place_id"] = visits["place_id"].astype(str)
    visits["source"] = visits["source"].astype(str)
    if "segment" not in visits:
        visits["segment"] = "all"
    visits["segment"] = visits["segment"].where(visits["segment"].notna() & (visits["segment"] != ""), "all")
    visits["visits"] = visits["visits"].astype(float)
    visits["raw_visits"] = visits["raw_visits"].astype(float) if "raw_visits" in visits else np.nan
    places = places.copy()
    places["place_id"] = places["place_id"].astype(str)
    places["brand"] = places["brand"].where(places["brand"].notna(), None)
    return Snapshot(visits, places)


def common_window(a: Snapshot, b: Snapshot) -> tuple[dt.date, dt.date] | None:
    """From the later of the two first dates to the earlier of the two last dates."""
    start = max(a.visits["date"].min(), b.visits["date"].min()).date()
    end = min(a.visits["date"].max(), b.visits["date"].max()).date()
    return (start, end) if start <= end else None


# ------------------------------------------------------------------------------------------ scopes
def _brand(value: Any) -> str:
    return INDEPENDENT if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def scope_members(snap: Snapshot, scope: str, stakeholders: Any = None) -> set[str]:
    """The scope's places in this release (its own places table)."""
    kind, _, value = scope.partition(":")
    members: set[str] = set()
    for p in snap.places.itertuples(index=False):
        pid, brand, cat, reg = p.place_id, p.brand, p.category, p.region
        if kind in ("all", "source", "segment"):
            ok = True
        elif kind == "category":
            ok = cat == value
        elif kind == "region":
            ok = reg == value
        elif kind == "brand":
            ok = _brand(brand) == value
        elif kind == "place":
            ok = pid == value
        elif kind == "customer":
            c = _find(stakeholders, "customers", value)
            wanted = set(c.brands) | set(c.competitors)
            ok = (brand is not None and brand in wanted and (not c.regions or reg in c.regions)) or pid in c.place_ids
        elif kind == "deal":
            d = _find(stakeholders, "deals", value)
            filters = [(d.categories, cat), (d.regions, reg), (d.brands, brand)]
            any_filter = any(len(f) for f, _ in filters)
            ok = (any_filter and all(not f or v in f for f, v in filters)) or pid in d.place_ids
        else:
            raise ValueError(scope)
        if ok:
            members.add(pid)
    return members


def _find(stakeholders: Any, table: str, ident: str) -> Any:
    for entry in getattr(stakeholders, table):
        if entry.id == ident:
            return entry
    raise KeyError(f"{table}: {ident}")


def scope_rows(snap: Snapshot, scope: str, members: set[str], window: tuple[dt.date, dt.date]) -> pd.DataFrame:
    """The visit rows that count for the scope: its places, inside the window, its source / group only."""
    kind, _, value = scope.partition(":")
    v = snap.visits
    keep = v["place_id"].isin(members) & (v["date"] >= pd.Timestamp(window[0])) & (v["date"] <= pd.Timestamp(window[1]))
    if kind == "source":
        keep &= v["source"] == value
    elif kind == "segment":
        keep &= v["segment"] == value
    return v[keep]


# ----------------------------------------------------------------------------------------- metrics
def _finite(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def _constant(values: np.ndarray) -> bool:
    return bool(values.max() - values.min() <= TIE_REL * np.abs(values).max())


def _snap_ties(values: np.ndarray) -> np.ndarray:
    """Each value replaced by the smallest of its run of values each within TIE_REL of the one before."""
    order = np.argsort(values, kind="stable")
    out = values.astype(float).copy()
    for prev, cur in zip(order[:-1], order[1:], strict=True):
        if values[cur] - values[prev] <= TIE_REL * abs(values[cur]):
            out[cur] = out[prev]
    return out


def _sign(g: float) -> float:
    return 0.0 if abs(g) <= ZERO_PP else float(np.sign(g))


def ci95(va: float, vb: float, ka: float | None, kb: float | None) -> list[float] | None:
    """95 % interval of level_change_pct with Poisson raw counts k_a, k_b.

    Conditional on the sum n = k_a + k_b, k_b ~ Binomial(n, λ_b / (λ_a + λ_b)); the exact interval of that
    proportion p maps to the ratio λ_b / λ_a = p / (1 − p); each release turns raw visits into visits at
    its own rate (v / k), so the ratio of visits is (v_b / k_b) / (v_a / k_a) · λ_b / λ_a.
    """
    if ka is None or kb is None or va <= 0:
        return None
    ka_i, kb_i = int(round(ka)), int(round(kb))
    if ka_i <= 0 or kb_i <= 0:
        return None
    lo, hi = stats.binomtest(kb_i, ka_i + kb_i).proportion_ci(confidence_level=0.95, method="exact")
    rate = (vb / kb_i) / (va / ka_i)
    return [100.0 * (rate * lo / (1 - lo) - 1), 100.0 * (rate * hi / (1 - hi) - 1)]


def _whole_weeks(window: tuple[dt.date, dt.date]) -> list[dt.date]:
    start, end = window
    monday = start + dt.timedelta(days=(7 - start.weekday()) % 7)
    weeks = []
    while monday + dt.timedelta(days=6) <= end:
        weeks.append(monday)
        monday += dt.timedelta(days=7)
    return weeks


def metrics(a: Snapshot, b: Snapshot, scope: str, stakeholders: Any = None) -> dict[str, Any]:
    """Every metric of section 5 for one scope; None where it cannot be computed."""
    window = common_window(a, b)
    assert window is not None, "no common window"
    ma, mb = scope_members(a, scope, stakeholders), scope_members(b, scope, stakeholders)
    ra, rb = scope_rows(a, scope, ma, window), scope_rows(b, scope, mb, window)
    va, vb = float(ra["visits"].sum()), float(rb["visits"].sum())
    out: dict[str, Any] = {
        "visits_current": va,
        "visits_candidate": vb,
        "delta": vb - va,
        "level_change_pct": 100.0 * (vb - va) / va if va != 0 else None,
        "places_current": len(ma),
        "places_candidate": len(mb),
        "places_added": len(mb - ma),
        "places_dropped": len(ma - mb),
    }

    # Daily series over every day of the window, a day without rows counting as 0.
    days = pd.date_range(window[0], window[1], freq="D")
    da = ra.groupby("date")["visits"].sum().reindex(days, fill_value=0.0)
    db = rb.groupby("date")["visits"].sum().reindex(days, fill_value=0.0)
    if len(days) < 3 or _constant(da.to_numpy()) or _constant(db.to_numpy()):
        out["daily_corr"] = None
    else:
        out["daily_corr"] = _finite(stats.pearsonr(da.to_numpy(), db.to_numpy()).statistic)

    # Weekly growth over whole ISO weeks inside the window.
    weeks = _whole_weeks(window)
    wa = [float(da[pd.date_range(w, periods=7, freq="D")].sum()) for w in weeks]
    wb = [float(db[pd.date_range(w, periods=7, freq="D")].sum()) for w in weeks]
    errs, agree = [], []
    for k in range(1, len(weeks)):
        if wa[k - 1] > 0 and wb[k - 1] > 0:
            ga = 100.0 * (wa[k] / wa[k - 1] - 1)
            gb = 100.0 * (wb[k] / wb[k - 1] - 1)
            errs.append(abs(gb - ga))
            small = abs(ga) < SMALL_CHANGE_PCT and abs(gb) < SMALL_CHANGE_PCT
            agree.append(1.0 if small or _sign(ga) == _sign(gb) else 0.0)
    out["weekly_growth_mae_pp"] = float(np.mean(errs)) if errs else None
    out["growth_sign_agreement"] = float(np.mean(agree)) if agree else None

    # Per-place totals over the window (0 for a member place without rows).
    ta = ra.groupby("place_id")["visits"].sum().reindex(sorted(ma), fill_value=0.0)
    tb = rb.groupby("place_id")["visits"].sum().reindex(sorted(mb), fill_value=0.0)

    # Brand shares.
    brand_a = a.places.set_index("place_id")["brand"].map(_brand)
    brand_b = b.places.set_index("place_id")["brand"].map(_brand)
    sa = ta.groupby(brand_a.reindex(ta.index)).sum() if len(ta) else pd.Series(dtype=float)
    sb = tb.groupby(brand_b.reindex(tb.index)).sum() if len(tb) else pd.Series(dtype=float)
    if va > 0 and vb > 0:
        brands = sorted(set(sa.index) | set(sb.index))
        shift = [abs(sb.get(x, 0.0) / vb - sa.get(x, 0.0) / va) for x in brands]
        out["max_share_shift_pp"] = 100.0 * max(shift)
    else:
        out["max_share_shift_pp"] = None

    # Rank correlation over the places in the scope in both releases.
    common = sorted(ma & mb)
    if len(common) < 3:
        out["rank_corr"] = None
    else:
        x = _snap_ties(ta.reindex(common).to_numpy())
        y = _snap_ties(tb.reindex(common).to_numpy())
        if np.all(x == x[0]) or np.all(y == y[0]):
            out["rank_corr"] = None
        else:
            out["rank_corr"] = _finite(stats.spearmanr(x, y).statistic)

    # Interval under Poisson noise on raw visits, where raw visits exist.
    ka = float(ra["raw_visits"].sum()) if ra["raw_visits"].notna().any() else None
    kb = float(rb["raw_visits"].sum()) if rb["raw_visits"].notna().any() else None
    out["level_change_ci95_pct"] = ci95(va, vb, ka, kb)
    return out


def all_scopes(a: Snapshot, b: Snapshot, stakeholders: Any = None) -> list[str]:
    """Every scope string the two releases give rise to, for exhaustive comparisons."""
    out = ["all"]
    for col, kind in (("category", "category"), ("region", "region"), ("place_id", "place")):
        out += [f"{kind}:{v}" for v in sorted(set(a.places[col]) | set(b.places[col]))]
    out += [f"brand:{v}" for v in sorted({_brand(x) for x in list(a.places["brand"]) + list(b.places["brand"])})]
    for col in ("source", "segment"):
        out += [f"{col}:{v}" for v in sorted(set(a.visits[col]) | set(b.visits[col]))]
    if stakeholders is not None:
        out += [f"customer:{c.id}" for c in stakeholders.customers]
        out += [f"deal:{d.id}" for d in stakeholders.deals]
    return out
