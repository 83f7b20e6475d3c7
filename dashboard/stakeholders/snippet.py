"""The snippet writer: a `[[customers]]` or `[[deals]]` block the Explore page offers to paste into the file.

It writes TOML by hand (the standard library only reads it) and parses every block back with the file's own
validator, so a download is always a valid entry.
"""

from __future__ import annotations

import builtins
from typing import Literal

from dashboard.errors import ContractError, suggest
from dashboard.stakeholders.validator import CUSTOMER_KEYS, DEAL_KEYS, parse_stakeholders

_SNIPPET_KEYS: dict[str, tuple[str, ...]] = {"customer": CUSTOMER_KEYS, "deal": DEAL_KEYS}
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def toml_string(value: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped; other Unicode kept."""
    out = ['"']
    for ch in value:
        code = ord(ch)
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04X}")
        elif 0xD800 <= code <= 0xDFFF:
            raise ValueError(f"lone surrogate U+{code:04X} cannot be written to TOML")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _toml_value(value: object, where: str) -> str:
    if isinstance(value, str):
        try:
            return toml_string(value)
        except ValueError as exc:
            raise ContractError("<snippet>", str(exc), where) from None
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v, where) for v in value) + "]"
    raise ContractError("<snippet>", f"cannot write a {type(value).__name__} here; expected text", where)


def stakeholder_snippet(kind: Literal["customer", "deal"], **fields_: object) -> str:
    """A `[[customers]]` or `[[deals]]` block to paste into the stakeholders file.

    Fields set to None are left out; keys come in the file's documented order. The block is parsed back
    before it is returned, so what the dashboard offers for download is always valid (ContractError if not).
    """
    if kind not in _SNIPPET_KEYS:
        raise ValueError(f"kind must be 'customer' or 'deal', got {kind!r}")
    known = _SNIPPET_KEYS[kind]
    table = f"{kind}s"
    for key in fields_:
        if key not in known:
            raise ContractError(
                "<snippet>", f"unknown key '{key}'{suggest(key, known)}", f"{table}[0].{key}"
            )
    items = [(k, fields_[k]) for k in known if fields_.get(k) is not None]
    width = max((len(k) for k, _ in items), default=0)
    lines = [f"[[{table}]]"]
    lines += [f"{k.ljust(width)} = {_toml_value(v, f'{table}[0].{k}')}" for k, v in items]
    snippet = "\n".join(lines) + "\n"
    parse_stakeholders(snippet, source="<snippet>")
    return snippet


def criterion_snippet(
    name: str,
    applies_to: str,
    metric: str,
    *,
    where_id: str | None = None,
    min: float | None = None,
    max: float | None = None,
    threshold_noise: float | None = None,
    severity: str = "warn",
    context: str = "",
) -> str:
    """A ``[[criteria]]`` block: a fixed bound (min/max) or ``threshold_noise``, for one stakeholder by id.

    ``context``: the entries the block refers to (a customer or deal snippet); the block is parsed back with
    them, so a bound the file would refuse (both kinds, min above max) is a ContractError here too.
    """
    items: list[tuple[str, str]] = [("name", toml_string(name)), ("applies_to", toml_string(applies_to))]
    if where_id is not None:
        items.append(("where", "{ id = " + toml_string(where_id) + " }"))
    items.append(("metric", toml_string(metric)))
    for key, value in (("min", min), ("max", max), ("threshold_noise", threshold_noise)):
        if value is not None:
            items.append((key, _toml_number(value)))
    items.append(("severity", toml_string(severity)))
    width = builtins.max(len(k) for k, _ in items)
    block = "[[criteria]]\n" + "\n".join(f"{k.ljust(width)} = {v}" for k, v in items) + "\n"
    parse_stakeholders((context + "\n" if context else "") + block, source="<snippet>")
    return block


def _toml_number(value: float) -> str:
    """A finite number as TOML: 4 significant digits, always with a decimal point or exponent."""
    text = f"{float(value):.4g}"
    return text if any(ch in text for ch in ".enai") else text + ".0"
