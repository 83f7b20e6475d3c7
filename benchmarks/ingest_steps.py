"""Where an ingest's time goes: one ``relcheck ingest`` in-process, every engine call that runs a query timed.

Ingests a snapshot folder into a scratch store (removed afterwards), printing each engine call that took over
``--min`` seconds (the query or the file it wrote), the stages, the total and the peak RSS. Usage::

    python benchmarks/ingest_steps.py benchmarks/data/growth-2000k/2026.11.0 [--min 0.5]
"""

from __future__ import annotations

import argparse
import functools
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dashboard.sql import duckdb_engine  # noqa: E402
from dashboard.store.catalog import Store  # noqa: E402
from dashboard.store.ingest import ingest_release  # noqa: E402

#: Engine calls that run a query, and how to name what they ran: the query's name, or the file written.
TIMED = {
    "run": lambda a: a[0],
    "materialise": lambda a: f"{a[0]} <- {a[1]}",
    "write_parquet": lambda a: Path(a[1]).name,
    "write_parquet_parts": lambda a: Path(a[1]).name,
    "write_parquet_split": lambda a: f"split by {a[2]}",
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path, help="a snapshot folder (release.toml, visits, places)")
    ap.add_argument("--min", type=float, default=0.5, help="print calls that took at least this many seconds")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()

    def say(text: str) -> None:
        print(f"{time.perf_counter() - t0:8.1f} s  {text}", flush=True)

    def timed(name: str, describe: Any) -> None:
        original = getattr(duckdb_engine.DuckDBEngine, name)

        @functools.wraps(original)
        def call(self: Any, *a: Any, **k: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(self, *a, **k)
            finally:
                took = time.perf_counter() - start
                if took >= args.min:
                    say(f"{took:7.1f} s  {name} {describe(a)}")

        setattr(duckdb_engine.DuckDBEngine, name, call)

    for name, describe in TIMED.items():
        timed(name, describe)
    home = Path(tempfile.mkdtemp(prefix="relcheck-ingest-steps-"))
    try:
        release = ingest_release(Store(home), args.folder, progress=lambda stage, done, total: say(f"stage: {stage}"))
    finally:
        shutil.rmtree(home, ignore_errors=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"ingest of {release.release_id} ({release.rows:,} rows): {time.perf_counter() - t0:.1f} s, "
          f"peak RSS {peak / 1e9:.2f} GB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
