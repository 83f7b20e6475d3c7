"""Every dashboard page on a given store, each in a fresh process: wall time, peak RSS, what it showed.

The pages are opened the way a user's first visit opens them: streamlit's AppTest runs ``dashboard/app.py``
(the sidebar's default release pair and scope, and the default page, Release review: AppTest cannot open
another page before a first run), then switches to the page. The page's own run is timed apart from that
opening run, so a page's figure is not the review page's. One process per page, so each peak RSS is that of
the review page and the page together, on the store of ``--home`` (e.g. a ``make bench-growth`` store kept with
``--keep-stores``). With ``--together`` the pages run one after another in one process, each reusing what the
pages before it cached, as in a user's running dashboard (each row's peak RSS is then the largest so far).
Prints a Markdown table; exit 1 if a page raised or a process failed. Usage::

    python benchmarks/pages.py --home benchmarks/data/store-growth-2000k [--pages review,customers] [--together]
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


def _peak_rss() -> int:
    """This process's peak resident set so far (VmHWM), in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def _drawn(at: object, page: str, seconds: float) -> dict[str, object]:
    return {
        "page": page,
        "seconds": seconds,
        "exceptions": [str(e.value)[:300] for e in at.exception],
        "errors": [str(e.value)[:160] for e in at.error],
        "warnings": [str(e.value)[:160] for e in at.warning],
        "tables": len(at.dataframe),
        "charts": len(at.get("plotly_chart")) + len(at.get("vega_lite_chart")),
        "peak_so_far": _peak_rss(),
    }


def open_pages(pages: list[str], timeout: float) -> list[dict[str, object]]:
    """Open the app under AppTest (its default page, Release review), then each page in turn, in one session
    (so a page reuses what the pages before it cached, as a user's running dashboard does); what each drew."""
    from streamlit.testing.v1 import AppTest

    t0 = time.perf_counter()
    at = AppTest.from_file(str(APP), default_timeout=timeout)
    at.run()
    out = [_drawn(at, "review (opening)", time.perf_counter() - t0)]
    for page in pages:
        if at.exception:
            break
        t0 = time.perf_counter()
        at.switch_page(PAGES[page]).run()
        out.append(_drawn(at, page, time.perf_counter() - t0))
    return out


def run_pages(pages: list[str], home: Path, timeout: float) -> list[dict[str, object]]:
    """Pages in one fresh interpreter; each page's report, the last with the process's wall time and peak RSS."""
    env = dict(os.environ, RELCHECK_HOME=str(home), PYTHONWARNINGS="ignore")
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, __file__, "--one", ",".join(pages), "--timeout", str(timeout)],
                                stdout=out, stderr=err, env=env, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        text, errors = out.read().decode(), err.read().decode()
    try:
        reports = json.loads(text.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        code = os.waitstatus_to_exitcode(status)
        reports = [{"page": ",".join(pages), "exceptions": [f"exit {code}: {errors[-300:]}"]}]
    reports[-1]["process_seconds"] = wall
    reports[-1]["peak_rss"] = usage.ru_maxrss * 1024  # Linux reports KiB
    return reports


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", type=Path, help="the store (RELCHECK_HOME)")
    ap.add_argument("--pages", default=",".join(PAGES), help="comma-separated pages (default: all)")
    ap.add_argument("--timeout", type=float, default=3600.0, help="seconds a page's run may take")
    ap.add_argument("--together", action="store_true",
                    help="every page in one process, one after another (faster; peak RSS is then the largest so far)")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(open_pages([p for p in args.one.split(",") if p != "review"], args.timeout)))
        return 0
    if args.home is None:
        ap.error("--home is required")
    pages = args.pages.split(",")
    unknown = [p for p in pages if p not in PAGES]
    if unknown:
        ap.error(f"unknown page(s) {', '.join(unknown)}; pages: {', '.join(PAGES)}")
    failed = False
    print("| page | the page's run | whole process | peak RSS | tables | charts | errors shown | exceptions |")
    print("|---|---:|---:|---:|---:|---:|---|---|")
    for group in ([pages] if args.together else [[p] for p in pages]):
        for r in run_pages(group, args.home, args.timeout):
            failed |= bool(r.get("exceptions"))
            rss = r.get("peak_rss") or r.get("peak_so_far")
            peak = f"{rss / 1e9:.2f} GB" if rss else "?"
            own = f"{r['seconds']:.1f} s" if "seconds" in r else "?"
            whole = f"{r['process_seconds']:.1f} s" if "process_seconds" in r else ""
            print(f"| {r['page']} | {own} | {whole} | {peak} | {r.get('tables', '')} | {r.get('charts', '')} "
                  f"| {'; '.join(r.get('errors', []))[:200]} | {'; '.join(r.get('exceptions', []))} |", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
