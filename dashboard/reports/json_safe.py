"""JSON that never crashes on a value: non-finite numbers become null, with the reason beside them.

Why: visits near the float maximum overflow to infinity in sums, and ``json.dumps(allow_nan=False)`` then
raised mid-output (a half-written report, a crash that looked like a verdict). Each replaced value gets a
line in the nearest enclosing object's ``notes`` list (created if absent; an existing list is extended), so
no existing key changes meaning.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

NOTES_KEY = "notes"


def _non_finite(value: Any) -> str | None:
    """'inf', '-inf' or 'nan' for a non-finite real number, else None."""
    if isinstance(value, (bool, int)) or not isinstance(value, numbers.Real):
        return None
    try:
        f = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return None if math.isfinite(f) else str(f)


def finite_json(payload: Any) -> Any:
    """A copy of ``payload`` (dicts, lists, tuples, scalars) with every non-finite number replaced by None
    and noted as ``"<path>: not a finite number (inf); shown as null"`` in the nearest object's ``notes``."""
    return _walk(payload, None, "")


def _walk(value: Any, notes: list[str] | None, path: str) -> Any:
    bad = _non_finite(value)
    if bad is not None:
        if notes is not None:
            notes.append(f"{path or 'value'}: not a finite number ({bad}); shown as null")
        return None
    if isinstance(value, dict):
        found: list[str] = []
        out = {k: _walk(v, found, str(k)) for k, v in value.items()}
        if found:
            existing = out.get(NOTES_KEY)
            if isinstance(existing, list):
                out[NOTES_KEY] = [*existing, *found]
            elif existing is None:
                out[NOTES_KEY] = found
            elif notes is not None:  # a "notes" key of another shape: report one level up
                notes.extend(f"{path}.{n}" for n in found)
        return out
    if isinstance(value, (list, tuple)):
        return [_walk(v, notes, f"{path}[{i}]") for i, v in enumerate(value)]
    return value
