"""Progress on a terminal, silence in pipes and logs."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from dashboard.formatting import safe_text


def terminal_progress(label: str) -> Callable[[str, int, int], None] | None:
    if not sys.stderr.isatty():
        return None
    start = time.monotonic()

    def report(stage: str, done: int, total: int) -> None:
        pct = 100 * done / total if total else 100
        end = "\n" if total and done >= total else ""
        sys.stderr.write(f"\r{safe_text(label, keep='')}: {safe_text(stage, keep=''):<32} {done}/{total} ({pct:3.0f}%) {time.monotonic() - start:6.1f}s\033[K{end}")
        sys.stderr.flush()

    return report
