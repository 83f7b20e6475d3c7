"""Benchmark of `relcheck import patterns` (issue 16): weekly files of PLACES x WEEKS, import vs DuckDB's read.

Writes realistic weekly patterns files (one CSV.gz per week, SafeGraph-style columns, valid-looking placekeys,
JSON visits_by_day) under benchmarks/data/patterns-<places>x<weeks>/ if absent, then measures, reference and
subject alternated, best of --repeat runs each (default 3):

- in this process: DuckDB reading the same CSV files into a table (``CREATE TABLE AS SELECT * FROM read_csv``)
  vs the whole import into a fresh store (read, check, explode, write the stored files, publish);
- as whole processes, as a user's shell runs them (interpreter start and imports included): a fresh
  ``python -c`` doing that DuckDB read vs a fresh ``relcheck import patterns FOLDER --release-id bench``.

Target: the import within 3x the reference, both ways. Wall time on a shared machine is noisy: the load average
is printed beside each figure, and the CPU time (steadier) beside the wall time.
Usage: python benchmarks/patterns.py [--places 50000] [--weeks 13] [--repeat 3] [--no-process]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dashboard.store.catalog import Store  # noqa: E402
from dashboard.store.patterns import import_patterns  # noqa: E402
from dashboard.store.patterns_sample import placekey_for  # noqa: E402

TARGET_X = 3.0
CATEGORIES = ["Grocery Stores", "Restaurants and Other Eating Places", "Gasoline Stations", "Fitness Centers",
              "Pharmacies and Drug Stores", "Clothing Stores"]
BRANDS = ["FreshCo", "ValueMart", "DailyGrind", "FuelUp", "PulseGym", "", "", ""]
REGIONS = ["NE", "SE", "MW", "SW", "W"]


def write_files(folder: Path, places: int, weeks: int, seed: int = 7) -> list[Path]:
    """One gzip CSV per week; per place a base demand, a weekday shape and noise; some multi-brand rows."""
    rng = np.random.default_rng(seed)
    lat = rng.uniform(25, 48, places)
    lon = rng.uniform(-123, -70, places)
    keys = [placekey_for(f"place-{i}", lat[i], lon[i]) for i in range(places)]
    cat = rng.integers(0, len(CATEGORIES), places)
    brand = rng.integers(0, len(BRANDS), places)
    region = rng.integers(0, len(REGIONS), places)
    base = rng.lognormal(3.0, 1.0, places)
    shape = np.array([0.9, 0.95, 1.0, 1.05, 1.2, 1.4, 1.1])
    attrs = pd.DataFrame({
        "placekey": keys, "parent_placekey": "", "location_name": [f"Place {i}" for i in range(places)],
        "brands": [json.dumps([BRANDS[b]] + (["ValueMart"] if i % 97 == 0 else [])) if BRANDS[b] else ""
                   for i, b in enumerate(brand)],
        "top_category": [CATEGORIES[c] for c in cat], "sub_category": "",
        "region": [REGIONS[r] for r in region], "city": [f"City {r}" for r in region],
        "latitude": lat.round(6), "longitude": lon.round(6),
    })
    folder.mkdir(parents=True, exist_ok=True)
    start = dt.date(2024, 9, 2)  # a Monday
    paths = []
    for w in range(weeks):
        ws = start + dt.timedelta(days=7 * w)
        counts = rng.poisson(base[:, None] * shape[None, :])
        frame = attrs.copy()
        frame["date_range_start"] = f"{ws.isoformat()}T00:00:00-05:00"
        frame["date_range_end"] = f"{(ws + dt.timedelta(days=7)).isoformat()}T00:00:00-05:00"
        frame["raw_visit_counts"] = counts.sum(axis=1)
        frame["raw_visitor_counts"] = (counts.sum(axis=1) * 0.7).astype(int)
        frame["visits_by_day"] = ["[" + ",".join(map(str, row)) + "]" for row in counts]
        path = folder / f"patterns-{ws.isoformat()}.csv.gz"
        frame.to_csv(path, index=False, compression="gzip")
        paths.append(path)
    (folder / ".complete").write_text("ok")
    return paths


#: The reference as a whole process: a fresh interpreter imports duckdb and reads the CSV files into a table.
READ_PROCESS = ("import sys, duckdb\n"
                "duckdb.connect().execute('CREATE TABLE ref AS SELECT * FROM read_csv($f, header = true)', "
                "{'f': sys.argv[1:]})\n")


def relcheck_command() -> list[str]:
    """What a user's shell runs: the venv's ``relcheck`` script (else the same two lines through -c)."""
    script = Path(sys.executable).parent / "relcheck"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from dashboard.cli import main; sys.argv[0] = 'relcheck'; sys.exit(main())"]


def run_process(cmd: list[str], log: Path) -> tuple[float, float]:
    """Wall and CPU seconds (its own and its children's, os.wait4) of one whole process; stdout discarded."""
    env = dict(os.environ, PYTHONWARNINGS="ignore",
               PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p))
    with open(log, "ab") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{cmd[0]} ... failed (exit {os.waitstatus_to_exitcode(status)}); see {log}")
    return wall, usage.ru_utime + usage.ru_stime


def load() -> str:
    return "load " + "/".join(f"{x:.1f}" for x in os.getloadavg())


def verdict(name: str, ref: list[float], imp: list[float], ref_cpu: list[float], imp_cpu: list[float],
            loads: list[str]) -> bool:
    """Print one way of measuring (best of each side) and whether it meets the target."""
    ratio = min(imp) / min(ref)
    print(f"{name}: runs read " + ", ".join(f"{x:.2f}s" for x in ref) + "; import "
          + ", ".join(f"{x:.2f}s" for x in imp) + f"  ({'; '.join(loads)})")
    print(f"{name}: CPU time, best of each: read {min(ref_cpu):.2f}s, import {min(imp_cpu):.2f}s = "
          f"{min(imp_cpu) / min(ref_cpu):.2f}x")
    print(f"{name}: DuckDB read_csv into a table {min(ref):.2f}s; relcheck import patterns {min(imp):.2f}s = "
          f"{ratio:.2f}x  (target <= {TARGET_X:.0f}x) {'PASS' if ratio <= TARGET_X else 'FAIL'}")
    return ratio <= TARGET_X


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--places", type=int, default=50_000)
    ap.add_argument("--weeks", type=int, default=13)
    ap.add_argument("--repeat", type=int, default=3, help="best of N runs of each side (the machine is shared)")
    ap.add_argument("--no-process", action="store_true", help="only the in-process figure")
    args = ap.parse_args(argv)
    folder = ROOT / "benchmarks" / "data" / f"patterns-{args.places}x{args.weeks}"
    if not (folder / ".complete").exists():
        t = time.perf_counter()
        write_files(folder, args.places, args.weeks)
        print(f"wrote {args.weeks} weekly files of {args.places:,} places in {time.perf_counter() - t:.1f}s")
    files = sorted(folder.glob("*.csv.gz"))

    ref_times, imp_times, ref_cpu, imp_cpu, loads = [], [], [], [], []
    for _ in range(max(1, args.repeat)):
        loads.append(load())
        con = duckdb.connect()
        t, c = time.perf_counter(), time.process_time()
        con.execute("CREATE TABLE ref AS SELECT * FROM read_csv($f, header = true)", {"f": [str(f) for f in files]})
        ref_times.append(time.perf_counter() - t)
        ref_cpu.append(time.process_time() - c)
        ref_rows = con.execute("SELECT count(*) FROM ref").fetchone()[0]
        con.close()

        home = Path(tempfile.mkdtemp(prefix="relcheck-bench-patterns-"))
        try:
            t, c = time.perf_counter(), time.process_time()
            result = import_patterns(Store(home), [folder], release_id="bench")
            imp_times.append(time.perf_counter() - t)
            imp_cpu.append(time.process_time() - c)
        finally:
            shutil.rmtree(home, ignore_errors=True)
    print(f"files {len(files)}, weekly rows {ref_rows:,} -> visit rows {result.visit_rows:,}, places {result.places:,}")
    ok = verdict("in-process", ref_times, imp_times, ref_cpu, imp_cpu, loads)
    if args.no_process:
        return 0 if ok else 1

    ref_times, imp_times, ref_cpu, imp_cpu, loads = [], [], [], [], []
    scratch = Path(tempfile.mkdtemp(prefix="relcheck-bench-patterns-"))
    try:
        log = scratch / "process.log"
        for _ in range(max(1, args.repeat)):
            loads.append(load())
            wall, cpu = run_process([sys.executable, "-c", READ_PROCESS, *map(str, files)], log)
            ref_times.append(wall)
            ref_cpu.append(cpu)
            home = scratch / "store"
            wall, cpu = run_process([*relcheck_command(), "import", "patterns", str(folder), "--release-id", "bench",
                                     "--home", str(home)], log)
            imp_times.append(wall)
            imp_cpu.append(cpu)
            shutil.rmtree(home, ignore_errors=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    ok = verdict("whole processes", ref_times, imp_times, ref_cpu, imp_cpu, loads) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
