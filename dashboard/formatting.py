"""The one place numbers become text: metric tiles, chart labels, report cells and CLI table cells.

Each surface keeps its own look (a tile shows ``+1.25 %``, a chart label ``+248k``, a CLI cell six
significant digits), but every one is a preset of :func:`number` here, so missing values, non-finite
floats and lists are handled the same way everywhere.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from dashboard.metric_catalog import METRICS

MISSING = "—"

#: Metrics whose sign is the news (a change): always shown with + or -.
SIGNED_METRICS = frozenset({"delta", "level_change_pct"})


def is_missing(value: Any) -> bool:
    """None or a non-finite float: shown as a dash, never as ``nan``."""
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def number(value: Any, spec: str, *, missing: str = MISSING) -> str:
    """One number with a format spec (``",.0f"``, ``"+.2f"``, ``".6g"``); ``missing`` when None or not finite."""
    if is_missing(value):
        return missing
    return format(value, spec)


def _listed(value: list[Any] | tuple[Any, ...], each: Any) -> str:
    return "[" + ", ".join(each(v) for v in value) + "]"


def metric_value(name: str, value: Any) -> str:
    """A metric as the dashboard's tiles and captions show it, by its unit (visits ``12,345``, ``+1.25 %``)."""
    if isinstance(value, list | tuple):
        return _listed(value, lambda v: metric_value(name, v))
    if is_missing(value):
        return MISSING
    unit = METRICS[name].unit if name in METRICS else ""
    if unit in ("visits", "places"):
        return number(value, "+,.0f" if name in SIGNED_METRICS else ",.0f")
    if unit == "%":
        return number(value, "+.2f") + " %"
    if unit == "pp":
        return number(value, ".2f") + " pp"
    if isinstance(value, float):
        return number(value, ".3f")
    return str(value)


def bound_text(name: str, op: str, threshold: Any) -> str:
    """A criterion's bound in words, in its metric's format: ``at most 50.00 pp``, ``between -5.00 % and +5.00 %``."""
    if op == "between" and isinstance(threshold, list | tuple) and len(threshold) == 2:
        return f"between {metric_value(name, threshold[0])} and {metric_value(name, threshold[1])}"
    if op == "max":
        return f"at most {metric_value(name, threshold)}"
    if op == "min":
        return f"at least {metric_value(name, threshold)}"
    return str(threshold)


def column_format(name: str) -> str:
    """The printf format of a metric's table column (one format per column, signed for changes).

    The unit is in the column's label (``Level change (%)``), so cells hold the number only.
    """
    unit = METRICS[name].unit if name in METRICS else ""
    signed = "+" if name in SIGNED_METRICS else ""
    if unit in ("visits", "places"):
        return f"%{signed},.0f"
    if unit in ("%", "pp"):
        return f"%{signed}.2f"
    return "%.3f"


def compact(value: float | None, signed: bool = True) -> str:
    """A short chart label: ``+248k``, ``-1.2M``, ``+0.83``; empty when missing."""
    if is_missing(value):
        return ""
    assert value is not None
    sign = "+" if signed and value >= 0 else ("-" if value < 0 else "")
    a = abs(value)
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if a >= size:
            return f"{sign}{number(a / size, '.3g')}{suffix}"
    return f"{sign}{number(a, '.3g')}"


def report_value(value: Any) -> str:
    """A value in a report table: integers with separators, large floats whole, small ones to 4 digits."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, list | tuple):
        return _listed(value, report_value)
    if is_missing(value):
        return MISSING
    if isinstance(value, int):
        return number(value, ",")
    if isinstance(value, float):
        if value == 0:
            return "0"
        return number(value, ",.0f" if abs(value) >= 1000 else ".4g")
    return str(value)


def table_cell(value: Any) -> str:
    """A CLI table cell: floats to 6 significant digits (``nan`` shown as is), lists bracketed, dicts as JSON."""
    if value is None:
        return ""
    if isinstance(value, float):
        return format(value, ".6g")
    if isinstance(value, list | tuple):
        return _listed(value, table_cell)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _escape(ch: str) -> str:
    code = ord(ch)
    named = {"\r": "\\r", "\n": "\\n", "\t": "\\t"}
    return named.get(ch) or (f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}")


#: Control characters: C0, DEL, C1 and the Unicode line and paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _is_control(ch: str) -> bool:
    return _CONTROL.match(ch) is not None


def safe_text(text: object, keep: str = "\n\t") -> str:
    """``text`` with control characters (C0, DEL, C1, line separators) written as escapes, except ``keep``.

    Why: ids, names and sign-off authors come from files and options; raw, an ESC or CR in them can set
    the terminal's title, clear the screen or overwrite a verdict line. Newline and tab stay where they
    are the output's structure; inside a table cell nothing is kept (``keep=""``).
    """
    s = str(text)
    if _CONTROL.search(s) is None:  # the usual case, in C: a table prints tens of thousands of cells
        return s
    if not any(_is_control(ch) and ch not in keep for ch in s):
        return s
    return "".join(_escape(ch) if _is_control(ch) and ch not in keep else ch for ch in s)
