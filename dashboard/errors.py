"""Errors that reach the user: each names what is wrong and exits with code 2."""

from __future__ import annotations

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
