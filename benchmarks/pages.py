"""Every dashboard page on a given store, each in a fresh process: wall time, peak RSS, what it showed.

The pages are opened the way a user's first visit opens them: streamlit's AppTest runs ``dashboard/app.py``
(the sidebar's default release pair and scope, and the default page, Release review: AppTest cannot open
another page before a first run), then switches to the page. The page's own run is timed apart from that
opening run, so a page's figure is not the review page's. One process per page, so each peak RSS is that of
the review page and the page together, on the store of ``--home`` (e.g. a ``make bench-growth`` store kept with
``--keep-stores``).
Prints a Markdown table; exit 1 if a page raised or a process failed. Usage::

    python benchmarks/pages.py --home benchmarks/data/store-growth-2000k [--pages review,customers] [--timeout 3600]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dashboard.views.ui import PAGE_FILES  # noqa: E402

APP = ROOT / "dashboard" / "app.py"
PAGES = PAGE_FILES  # by URL path, as dashboard/app.py routes them


def open_one(page: str, timeout: float) -> dict[str, object]:
    """Open one page under AppTest; what it drew, and what went wrong."""
    from streamlit.testing.v1 import AppTest

    t0 = time.perf_counter()
    at = AppTest.from_file(str(APP), default_timeout=timeout)
    at.run()
    opening = time.perf_counter() - t0
    if page != "review" and not at.exception:
        t0 = time.perf_counter()
        at.switch_page(PAGES[page]).run()
    return {
        "page": page,
        "seconds": time.perf_counter() - t0,
        "opening_seconds": opening,
        "exceptions": [str(e.value)[:300] for e in at.exception],
        "errors": [str(e.value)[:160] for e in at.error],
        "warnings": [str(e.value)[:160] for e in at.warning],
        "tables": len(at.dataframe),
        "charts": len(at.get("plotly_chart")) + len(at.get("vega_lite_chart")),
    }


def run_page(page: str, home: Path, timeout: float) -> dict[str, object]:
    """One page in a fresh interpreter; its own report plus the process's wall time and peak RSS."""
    env = dict(os.environ, RELCHECK_HOME=str(home), PYTHONWARNINGS="ignore")
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, __file__, "--one", page, "--timeout", str(timeout)],
                                stdout=out, stderr=err, env=env, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        text, errors = out.read().decode(), err.read().decode()
    try:
        report = json.loads(text.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        code = os.waitstatus_to_exitcode(status)
        report = {"page": page, "exceptions": [f"exit {code}: {errors[-300:]}"]}
    report["process_seconds"] = wall
    report["peak_rss"] = usage.ru_maxrss * 1024  # Linux reports KiB
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", type=Path, help="the store (RELCHECK_HOME)")
    ap.add_argument("--pages", default=",".join(PAGES), help="comma-separated pages (default: all)")
    ap.add_argument("--timeout", type=float, default=3600.0, help="seconds a page's run may take")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(open_one(args.one, args.timeout)))
        return 0
    if args.home is None:
        ap.error("--home is required")
    failed = False
    print("| page | the page's run | whole process (with the opening review run) | peak RSS | tables | charts "
          "| errors shown | exceptions |")
    print("|---|---:|---:|---:|---:|---:|---|---|")
    for page in args.pages.split(","):
        r = run_page(page, args.home, args.timeout)
        failed |= bool(r.get("exceptions"))
        peak = f"{r['peak_rss'] / 1e9:.2f} GB" if r.get("peak_rss") else "?"
        own = f"{r['seconds']:.1f} s" if "seconds" in r else "?"
        print(f"| {page} | {own} | {r['process_seconds']:.1f} s | {peak} | {r.get('tables', '')} | {r.get('charts', '')} "
              f"| {'; '.join(r.get('errors', []))[:200]} | {'; '.join(r.get('exceptions', []))} |", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
