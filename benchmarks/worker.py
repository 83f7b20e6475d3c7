"""One measured benchmark step, run by ``benchmarks/run.py`` in a fresh interpreter.

Usage: ``python benchmarks/worker.py STEP RESULT_JSON [ARGS...]``.

Every import happens before the clock starts; ``seconds`` is the wall time of the step itself (the
parent also times the whole process, interpreter start and imports included, and reads the child's peak
RSS with ``os.wait4``). The result goes to RESULT_JSON, so library warnings on stdout/stderr never mix
with it.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CURRENT, CANDIDATE = "2026.10.0", "2026.11.0"
STAKEHOLDERS = ROOT / "sample_data" / "stakeholders.toml"


# ----------------------------------------------------------------------------------------- memory probes
def _status(field: str) -> int:
    """A VmRSS/VmHWM field of /proc/self/status, in bytes (0 where /proc is missing)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _reset_peak() -> bool:
    """Reset the process's peak RSS (VmHWM) so the next reading is the peak of one call (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def timed(fn: Callable[[], Any]) -> tuple[Any, dict[str, float]]:
    """Run fn once: wall and CPU seconds, the RSS before/after and the peak RSS during the call (/proc/self)."""
    gc.collect()
    rss0 = _status("VmRSS")
    exact = _reset_peak()
    c0, t0 = time.process_time(), time.perf_counter()
    out = fn()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    return out, {
        "seconds": seconds,
        "cpu_seconds": cpu,  # every thread of this process
        "rss_before": rss0,
        "rss_after": _status("VmRSS"),
        "peak_rss": _status("VmHWM") if exact else 0,
    }


# ------------------------------------------------------------------------------------------------ steps
def step_generate(out: str, places: str) -> dict[str, Any]:
    from dashboard.simulator.core import generate

    overrides = {"places": int(places)} if int(places) != 50_000 else None
    _, m = timed(lambda: generate(Path(out), preset="large", overrides=overrides))
    return m


def step_grow(base: str, out: str, places: str) -> dict[str, Any]:
    """The growth data: the preset's rows shuffled, tiled to ``places`` (benchmarks/growth_data.py)."""
    from growth_data import build  # benchmarks/, this script's folder

    _, m = timed(lambda: build(Path(base), Path(out), int(places)))
    return m


def step_copy(visits: str, target: str) -> dict[str, Any]:
    """The ingest reference: DuckDB copies the snapshot's visits Parquet to Parquet (zstd, as the store)."""
    import duckdb

    con = duckdb.connect(":memory:")

    def run() -> None:
        con.execute(
            "COPY (SELECT * FROM read_parquet($src)) TO '" + target.replace("'", "''")
            + "' (FORMAT parquet, COMPRESSION zstd)",
            {"src": visits},
        )

    _, m = timed(run)
    os.unlink(target)
    return m


def step_ingest(home: str, folder: str) -> dict[str, Any]:
    from dashboard.store.catalog import Store
    from dashboard.store.ingest import ingest_release

    store = Store(home)
    rel, m = timed(lambda: ingest_release(store, Path(folder), replace=True))
    return {**m, "rows": rel.rows, "places": rel.places}


def _stored_files(home: str) -> list[tuple[str, str]]:
    from dashboard.store.catalog import Store

    store = Store(home)
    return [(str(r.visits_path), str(r.places_path)) for r in (store.release(CURRENT), store.release(CANDIDATE))]


SCAN_SQL = """
WITH a AS (
    SELECT p.category, v.date, sum(v.visits) AS visits
    FROM read_parquet($visits_a) AS v JOIN read_parquet($places_a) AS p ON p.place_id = v.place_id
    GROUP BY p.category, v.date
),
b AS (
    SELECT p.category, v.date, sum(v.visits) AS visits
    FROM read_parquet($visits_b) AS v JOIN read_parquet($places_b) AS p ON p.place_id = v.place_id
    GROUP BY p.category, v.date
)
SELECT COALESCE(a.category, b.category) AS category, COALESCE(a.date, b.date) AS date,
       COALESCE(a.visits, 0) AS current, COALESCE(b.visits, 0) AS candidate
FROM a FULL OUTER JOIN b ON a.category = b.category AND a.date = b.date
"""


def _category_totals(rows: list[tuple[Any, ...]]) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for cat, _date, cur, cand in rows:
        t = out.setdefault(cat, [0.0, 0.0])
        t[0] += float(cur)
        t[1] += float(cand)
    return out


def step_scan(home: str) -> dict[str, Any]:
    """The scan limit: one DuckDB query over both releases' stored visits, summed per category and day."""
    import duckdb

    (va, pa_), (vb, pb) = _stored_files(home)
    con = duckdb.connect(":memory:")
    params = {"visits_a": va, "places_a": pa_, "visits_b": vb, "places_b": pb}
    rows, m = timed(lambda: con.execute(SCAN_SQL, params).fetchall())
    # The files, so run.py can time the same query as a whole `python -c` process.
    return {**m, "groups": len(rows), "totals": _category_totals(rows), "files": [va, pa_, vb, pb]}


def step_pandas(home: str) -> dict[str, Any]:
    """The analyst's way: read each release's Parquet, merge with places, group, merge the two releases."""
    import pandas as pd

    files = _stored_files(home)

    def run() -> pd.DataFrame:
        per_release = []
        for label, (visits, places) in zip(("current", "candidate"), files, strict=True):
            v = pd.read_parquet(visits, columns=["place_id", "date", "visits"])
            p = pd.read_parquet(places, columns=["place_id", "category"])
            daily = (v.merge(p, on="place_id", how="inner")
                     .groupby(["category", "date"], as_index=False)["visits"].sum()
                     .rename(columns={"visits": label}))
            per_release.append(daily)
            del v, p
        out = per_release[0].merge(per_release[1], on=["category", "date"], how="outer").fillna(0.0)
        out["delta"] = out["candidate"] - out["current"]
        return out

    df, m = timed(run)
    rows = list(df[["category", "date", "current", "candidate"]].itertuples(index=False, name=None))
    return {**m, "groups": len(rows), "totals": _category_totals(rows)}


def _stakeholders():  # noqa: ANN202 - typed by the core
    from dashboard.stakeholders import load_stakeholders

    return load_stakeholders(STAKEHOLDERS)


def step_compare(home: str, by: str) -> dict[str, Any]:
    from dashboard.engine import metrics
    from dashboard.store.catalog import Store

    store, sh = Store(home), _stakeholders()
    comp, m = timed(lambda: metrics.compare_releases(store, CURRENT, CANDIDATE, by=by, stakeholders=sh))
    totals = {s.scope.value: [s.values["visits_current"], s.values["visits_candidate"]] for s in comp.scopes}
    return {**m, "scopes": len(comp.scopes), "totals": totals}


def step_attribute(home: str, scope: str) -> dict[str, Any]:
    from dashboard.attribution import core as attribution
    from dashboard.store.catalog import Store

    store, sh = Store(home), _stakeholders()
    res, m = timed(lambda: attribution.attribute(store, CURRENT, CANDIDATE, scope, sh))
    return {**m, "delta": res.visits_candidate - res.visits_current}


def step_gate(home: str) -> dict[str, Any]:
    from dashboard.acceptance.service import run_gate
    from dashboard.store.catalog import Store

    store, sh = Store(home), _stakeholders()
    # As `relcheck gate` runs it: causes attributed, the run recorded in the (benchmark) store's gate log.
    res, m = timed(lambda: run_gate(store, CURRENT, CANDIDATE, sh, record=True))
    return {**m, "verdict": res.verdict, "results": len(res.results), "counts": dict(res.counts)}


def step_dashboard(home: str) -> dict[str, Any]:
    """The Customers page's data calls (dashboard/views/data.py) before and after a scope change.

    Outside a Streamlit server ``st.cache_data`` uses its in-memory cache (results pickled in, unpickled
    out), the same path a running dashboard takes on a cache hit. The sidebar's calls come first, as on
    every rerun, then the page's: the customers' comparison, the gate, one customer in depth.
    """
    logging.disable(logging.WARNING)  # "No runtime found" from st.cache_data outside a server
    from dashboard.views import data

    sh = _stakeholders()
    customers = [f"customer:{c.id}" for c in sh.customers]

    def page(store: Any, scope: str) -> None:
        key = data.key_of(store, CURRENT, CANDIDATE, STAKEHOLDERS)
        data.stakeholders(str(STAKEHOLDERS), data.stamp(STAKEHOLDERS))
        if hasattr(data, "pair_window"):
            data.pair_window(store, key)
        for kind in ("category", "region", "brand", "source", "segment"):
            data.scope_values(store, key, kind)
        data.comparison(store, key, "customer")
        data.gate_for(store, key, False)
        data.scope_detail(store, key, scope)

    out: dict[str, Any] = {"calls": "stakeholders, pair_window (if present), scope_values x5, "
                                    "comparison(customer), gate_for, scope_detail(scope)"}
    # Cold: a fresh process, empty caches; the Store (st.cache_resource) and its DuckDB root are made here.
    _, out["cold"] = timed(lambda: page(data.get_store(Path(home)), customers[0]))
    store = data.get_store(Path(home))
    # A scope change to a customer not seen yet: every call but scope_detail is a cache hit.
    out["new_scope"] = [timed(lambda s=s: page(store, s))[1] for s in customers[1:4]]
    # Back to scopes already shown: every call is a cache hit (unpickled from st.cache_data).
    out["cached"] = [timed(lambda s=s: page(store, s))[1] for s in customers[0:3]]
    return out


STEPS: dict[str, Callable[..., dict[str, Any]]] = {
    "generate": step_generate,
    "grow": step_grow,
    "copy": step_copy,
    "ingest": step_ingest,
    "scan": step_scan,
    "pandas": step_pandas,
    "compare": step_compare,
    "attribute": step_attribute,
    "gate": step_gate,
    "dashboard": step_dashboard,
}


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] not in STEPS:
        print(f"usage: worker.py {{{','.join(STEPS)}}} RESULT_JSON [ARGS...]", file=sys.stderr)
        return 2
    warnings.simplefilter("ignore")
    step, result_path, args = argv[0], argv[1], argv[2:]
    result = STEPS[step](*args)
    Path(result_path).write_text(json.dumps(result, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main(sys.argv[1:]))
