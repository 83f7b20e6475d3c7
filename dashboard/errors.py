"""Errors that reach the user: each names what is wrong and exits with code 2."""

from __future__ import annotations

import difflib
from collections.abc import Sequence


class RelcheckError(Exception):
    """A usage or data error the user can fix; the CLI prints it and exits 2."""

    exit_code = 2


class ContractError(RelcheckError):
    """Input that breaks a documented rule, with file, field, rule and examples."""

    def __init__(
        self,
        file: str,
        rule: str,
        field: str | None = None,
        examples: Sequence[object] = (),
    ) -> None:
        self.file = str(file)
        self.field = field
        self.rule = rule
        self.examples = list(examples)
        parts = [f"{self.file}"]
        if field:
            parts.append(f"field '{field}'")
        msg = ": ".join([", ".join(parts), rule])
        if self.examples:
            shown = "; ".join(_short(e) for e in self.examples[:5])
            msg += f" (first offending: {shown})"
        super().__init__(msg)


class NotFoundError(RelcheckError):
    """An unknown release, scope or entry; the message lists what exists."""


def _short(value: object, limit: int = 120) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 3] + "..."


def suggest(word: str, known: Sequence[str]) -> str:
    """A ' (did you mean ...?)' hint for a misspelt key, column or name; empty when nothing is close."""
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def quoted(value: object) -> str:
    """A value quoted for a message, so empty or space-padded strings stay visible."""
    return f'"{value}"' if isinstance(value, str) else repr(value)
