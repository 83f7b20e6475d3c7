"""Import heavy modules on a side thread while the engine scans, so a command's start-up overlaps its work.

A command that will need scipy later (the Clopper-Pearson interval) would otherwise pay its 0.13 s import
after the queries; DuckDB releases the GIL while it scans, so the import runs in that time instead. Python's
import lock makes the later ``import`` wait for this one rather than import twice.
"""

from __future__ import annotations

import importlib
import threading

_started: set[str] = set()


def prefetch(*modules: str) -> None:
    """Start importing ``modules`` in the background (each once per process; errors surface at the real import)."""
    wanted = [m for m in modules if m not in _started]
    if not wanted:
        return
    _started.update(wanted)

    def load() -> None:
        for name in wanted:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - the real import raises it where it is handled
                return

    threading.Thread(target=load, name="relcheck-prefetch", daemon=False).start()
