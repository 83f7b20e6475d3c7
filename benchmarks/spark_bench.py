"""``make bench-spark``: relcheck on Spark (local) against DuckDB and against Spark's own scan limit.

On the large preset's benchmark store (benchmarks/data/store-large, made by ``make bench``; never rebuilt
here), each as a whole process (wall time; peak resident memory of its process tree, the JVM included, sampled
from /proc):

- ``relcheck compare --by category`` and ``relcheck gate --no-record`` on DuckDB, on Spark local[1] and
  local[2];
- the scan limit on Spark: one Spark SQL query reading both releases' visits, joining places, summing per
  category and day (benchmarks/worker.py's SCAN_SQL, on Spark), in a fresh interpreter (JVM start included,
  as it is in relcheck's Spark runs).

Targets (issue 13): compare --by category on Spark within 2x the Spark scan, the gate within 4x. Results go
to benchmarks/results/spark-latest.md and .json. Figures on a shared machine are noisy: the table says so.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from run import DATA, RESULTS, ROOT, BenchError, process_env, relcheck_command

#: The large preset's store (``$RELCHECK_BENCH_STORE`` points at one built elsewhere; it is only read).
STORE = Path(os.environ.get("RELCHECK_BENCH_STORE") or DATA / "store-large")
CURRENT, CANDIDATE = "2026.10.0", "2026.11.0"
COMPARE_MAX_X_SCAN = 2.0
GATE_MAX_X_SCAN = 4.0

#: Spark's scan limit: both releases' visits joined to places, summed per category and day, collected.
SPARK_SCAN = """
import sys
from pyspark.sql import SparkSession
spark = (SparkSession.builder.master(sys.argv[1]).config("spark.ui.enabled", "false")
         .config("spark.sql.shuffle.partitions", "2").getOrCreate())
va, pa, vb, pb = sys.argv[2:6]
for name, path in (("visits_a", va), ("places_a", pa), ("visits_b", vb), ("places_b", pb)):
    spark.read.parquet(path).createOrReplaceTempView(name)
spark.sql('''
WITH a AS (SELECT p.category, v.date, sum(v.visits) AS visits FROM visits_a v JOIN places_a p
           ON p.place_id = v.place_id GROUP BY p.category, v.date),
     b AS (SELECT p.category, v.date, sum(v.visits) AS visits FROM visits_b v JOIN places_b p
           ON p.place_id = v.place_id GROUP BY p.category, v.date)
SELECT coalesce(a.category, b.category), coalesce(a.date, b.date), coalesce(a.visits, 0), coalesce(b.visits, 0)
FROM a FULL OUTER JOIN b ON a.category = b.category AND a.date = b.date''').collect()
spark.stop()
"""


def _children() -> dict[int, list[int]]:
    """Every process's children, from /proc (no psutil)."""
    out: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        ppid = int(text[text.rindex(")") + 2:].split()[1])
        out.setdefault(ppid, []).append(int(stat.parent.name))
    return out


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants (the JVM that pyspark starts is one)."""
    children, total, todo = _children(), 0, [pid]
    page = os.sysconf("SC_PAGE_SIZE")
    while todo:
        p = todo.pop()
        try:
            total += int((Path("/proc") / str(p) / "statm").read_text().split()[1]) * page
        except (OSError, ValueError, IndexError):
            pass
        todo += children.get(p, [])
    return total


def run_tree(name: str, cmd: list[str], ok: tuple[int, ...] = (0, 1)) -> dict[str, Any]:
    """Wall time of one whole process, and the peak resident memory of its process tree, sampled every 0.1 s.

    ``os.wait4`` counts only children a process waits for: pyspark leaves its JVM to exit on its own, so the
    JVM's memory would be missed (a compare's Python process peaks near 0.2 GB, its JVM past 1 GB)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT,
                            env=process_env())
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss(proc.pid))
        time.sleep(0.1)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode not in ok:
        raise BenchError(f"{name} failed (exit {proc.returncode}): {err[-500:]}")
    return {"seconds": wall, "peak_rss": peak}


def release_files(release_id: str) -> tuple[str, str]:
    catalog = json.loads((STORE / "catalog.json").read_text(encoding="utf-8"))
    folder = STORE / catalog["releases"][release_id]["folder"]
    return str(folder / "visits.parquet"), str(folder / "places.parquet")


def measure() -> list[dict[str, Any]]:
    if not (STORE / "catalog.json").is_file():
        raise BenchError(f"no benchmark store at {STORE}: run `make bench` once (it builds the large preset)")
    rel = relcheck_command()
    env_home = {"RELCHECK_HOME": str(STORE)}
    os.environ.update(env_home)
    files = [*release_files(CURRENT), *release_files(CANDIDATE)]
    rows: list[dict[str, Any]] = []

    def add(name: str, engine: str, cmd: list[str]) -> None:
        print(f"  {name} on {engine} ...", flush=True)
        out = run_tree(f"{name}-{engine}", cmd)
        rows.append({"step": name, "engine": engine, "seconds": out["seconds"],
                     "peak_rss_mb": out["peak_rss"] / 2**20, "load_1min": round(os.getloadavg()[0], 2)})

    pair = ["--current", CURRENT, "--candidate", CANDIDATE]
    commands = (("compare --by category", ["compare", "--by", "category", "--format", "json", *pair]),
                ("gate", ["gate", "--no-record", "--format", "json", *pair]))
    # Each command right after the scan of the same master, so the load they see is alike (a shared machine).
    for master in ("local[2]", "local[1]"):
        add("spark scan", f"spark {master}", [sys.executable, "-c", SPARK_SCAN, master, *files])
        for name, args in commands:
            add(name, f"spark {master}", [*rel, *args, "--engine", "spark", "--spark-master", master])
    for name, args in commands:
        add(name, "duckdb", [*rel, *args])
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    scan = {r["engine"]: r["seconds"] for r in rows if r["step"] == "spark scan"}
    lines = ["| step | engine | wall s | peak RSS MB (process tree, JVM included) | x Spark scan (same master) | target "
             "| load (1 min) |",
             "|---|---|---:|---:|---:|---|---:|"]
    for r in rows:
        ref = scan.get(r["engine"])
        ratio = r["seconds"] / ref if ref and r["step"] != "spark scan" else None
        limit = COMPARE_MAX_X_SCAN if r["step"].startswith("compare") else GATE_MAX_X_SCAN if r["step"] == "gate" \
            else None
        verdict = "" if ratio is None or limit is None else f"{'PASS' if ratio <= limit else 'FAIL'} (<= {limit}x)"
        lines.append(f"| {r['step']} | {r['engine']} | {r['seconds']:.1f} | {r['peak_rss_mb']:.0f} | "
                     f"{'' if ratio is None else f'{ratio:.2f}'} | {verdict} | {r.get('load_1min', '')} |")
    return "\n".join(lines)


def main() -> int:
    try:
        rows = measure()
    except BenchError as exc:
        print(f"bench-spark: {exc}", file=sys.stderr)
        return 2
    RESULTS.mkdir(parents=True, exist_ok=True)
    text = (f"# relcheck on Spark vs DuckDB (large preset)\n\n{platform.platform()}, {os.cpu_count()} cores; "
            "whole processes (JVM start included); on a shared machine the figures are noisy.\n\n"
            f"{table(rows)}\n")
    (RESULTS / "spark-latest.md").write_text(text, encoding="utf-8")
    (RESULTS / "spark-latest.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
