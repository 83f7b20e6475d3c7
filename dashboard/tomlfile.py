"""Reading the TOML files users write (release manifests, stakeholders, chaos scenarios).

One reader, so every file gets the same errors: not found, unreadable, not UTF-8, malformed with the line.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from dashboard.errors import ContractError

_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_AT_END = re.compile(r"\s*\(at end of document\)\s*$")


def read_text(path: str | Path, what: str) -> str:
    """The file's text; ``what`` names the file in errors ("stakeholders file")."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ContractError(str(p), f"{what} not found") from None
    except OSError as exc:
        raise ContractError(str(p), f"cannot read the {what}: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContractError(str(p), f"not valid UTF-8 at byte {exc.start}; TOML files must be UTF-8") from None


def parse(text: str, source: str) -> dict[str, Any]:
    """The TOML document; a syntax error names its line and column and shows the line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _error(source, text, exc) from None


def _error(source: str, text: str, exc: tomllib.TOMLDecodeError) -> ContractError:
    msg = str(exc)
    m = _POSITION.search(msg)
    if m:
        line, col = int(m.group(1)), int(m.group(2))
        lines = text.splitlines()
        shown = [lines[line - 1].strip()] if 0 < line <= len(lines) else []
        return ContractError(source, f"malformed TOML at line {line}, column {col}: {msg[: m.start()]}",
                             examples=shown)
    reason = _AT_END.sub("", msg)
    where = " at end of document" if reason != msg else ""
    return ContractError(source, f"malformed TOML{where}: {reason}")
