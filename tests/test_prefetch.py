"""The background import of heavy modules: it loads them, once, and never raises in the command's thread."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import sys, threading
from dashboard.prefetch import prefetch
assert "{mod}" not in sys.modules
prefetch("{mod}", "no_such_module_relcheck")
prefetch("{mod}")  # a second call starts nothing
threads = [t for t in threading.enumerate() if t.name == "relcheck-prefetch"]
assert len(threads) <= 1, threads
for t in threads:
    t.join(30)
assert "{mod}" in sys.modules
print("ok")
"""


def test_prefetch_imports_in_the_background_once_and_swallows_errors() -> None:
    out = subprocess.run([sys.executable, "-c", CODE.format(mod="scipy.special")], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "ok"


def test_compare_and_gate_paths_do_not_import_numpy_before_their_scans() -> None:
    code = ("import sys\nfrom dashboard.engine.metrics import compare_releases\n"
            "from dashboard.acceptance.service import run_gate\n"
            "print(sorted(m for m in ('numpy', 'scipy', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
