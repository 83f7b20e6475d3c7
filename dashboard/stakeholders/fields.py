"""Field checks for the TOML files users write (stakeholders, chaos scenarios): one set of rules and messages.

Each check reads one key of a parsed table and raises a ContractError naming the file, the field path
(``customers[2] (id="freshco").tier``) and the rule, so both validators fail the same way on the same mistake.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

from dashboard.errors import ContractError, quoted, suggest

Table = dict[str, Any]


class FieldChecks:
    """The checks, bound to the file they report (``source``); validators build on it."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, rule: str, where: str | None = None, examples: Sequence[object] = ()) -> ContractError:
        """The error for a broken rule at a field path, with the offending values."""
        return ContractError(self.source, rule, field=where, examples=examples)

    @staticmethod
    def label(table: str, i: int, e: Table, key: str) -> str:
        """`customers[2] (id="freshco")`: the index (0-based) plus the entry's own id, when it has one."""
        v = e.get(key)
        return f"{table}[{i}] ({key}={quoted(v)})" if isinstance(v, str) and v else f"{table}[{i}]"

    def unknown_key(
        self, key: str, known: Sequence[str], at: str, suggest_from: Sequence[str] | None = None
    ) -> ContractError:
        """A key the table does not take; the hint may look further than ``known`` (``suggest_from``)."""
        pool = known if suggest_from is None else suggest_from
        return self.fail(f"unknown key '{key}'{suggest(key, pool)}; known keys: {', '.join(known)}", f"{at}.{key}")

    def known_keys(self, e: Table, known: Sequence[str], at: str) -> None:
        """Refuse the first key not in ``known``: a misspelt optional key would otherwise be ignored."""
        for key in e:
            if key not in known:
                raise self.unknown_key(key, known, at)

    def text(self, e: Table, key: str, at: str, list_hint: bool = False) -> str:
        """A required, non-empty string field.

        ``list_hint`` adds ``(write key = "x")`` when a one-item list was written instead of a string.
        """
        if key not in e:
            raise self.fail(f"required field '{key}' is missing", f"{at}.{key}")
        v = e[key]
        if not isinstance(v, str):
            hint = f' (write {key} = "{v[0]}")' if list_hint and isinstance(v, list) and len(v) == 1 else ""
            raise self.fail(f"must be a string, got {type(v).__name__}{hint}", f"{at}.{key}", [v])
        if not v.strip():
            raise self.fail("must be a non-empty string", f"{at}.{key}", [v])
        return v

    def optional_text(self, e: Table, key: str, at: str, list_hint: bool = False) -> str | None:
        """A non-empty string field that may be left out (None)."""
        return self.text(e, key, at, list_hint) if key in e else None

    def choice(self, e: Table, key: str, at: str, allowed: Sequence[str], default: str | None) -> str:
        """One of `allowed`; required unless a default is given."""
        if key not in e and default is not None:
            return default
        v = self.text(e, key, at)
        if v not in allowed:
            raise self.fail(f"{quoted(v)} is not one of {' | '.join(allowed)}{suggest(v, allowed)}", f"{at}.{key}")
        return v

    def number(self, e: Table, key: str, at: str) -> float | None:
        """A finite number (integer or float, never a boolean), or None when left out."""
        if key not in e:
            return None
        v = e[key]
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise self.fail(f"must be a number, got {type(v).__name__}", f"{at}.{key}", [v])
        if not math.isfinite(v):
            raise self.fail("must be a finite number (not nan or inf)", f"{at}.{key}", [v])
        return float(v)

    def integer(self, e: Table, key: str, at: str, default: int) -> int:
        """An integer (never a boolean), or ``default`` when left out."""
        if key not in e:
            return default
        v = e[key]
        if isinstance(v, bool) or not isinstance(v, int):
            raise self.fail(f"must be an integer, got {type(v).__name__}", f"{at}.{key}", [v])
        return v

    def str_list(self, e: Table, key: str, at: str, show_item: bool = True) -> tuple[str, ...]:
        """A list of non-empty strings, () when left out; a bare string gets a ``(write key = ["x"])`` hint.

        ``show_item`` names the offending item among the examples of the error (the scenario file never did).
        """
        if key not in e:
            return ()
        v = e[key]
        if not isinstance(v, list):
            hint = f' (write {key} = ["{v}"])' if isinstance(v, str) else ""
            raise self.fail(f"must be a list of strings, got {type(v).__name__}{hint}", f"{at}.{key}", [v])
        for j, item in enumerate(v):
            if not isinstance(item, str) or not item.strip():
                raise self.fail(
                    f"must be a list of non-empty strings; item {j} is {quoted(item)}",
                    f"{at}.{key}",
                    [item] if show_item else (),
                )
        return tuple(v)

    def date(self, e: Table, key: str, at: str) -> dt.date | None:
        """A calendar date: a TOML date or a "YYYY-MM-DD" string (never a date and time), None when left out."""
        if key not in e:
            return None
        v = e[key]
        if isinstance(v, dt.datetime):
            raise self.fail("must be a date such as 2026-06-15, not a date and time", f"{at}.{key}", [v])
        if isinstance(v, dt.date):
            return v
        if isinstance(v, str):
            try:
                return dt.date.fromisoformat(v)
            except ValueError:
                pass
        raise self.fail("must be a date such as 2026-06-15 (TOML date or \"YYYY-MM-DD\")", f"{at}.{key}", [v])
