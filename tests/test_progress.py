"""Progress lines show names from files (scenario names, folders) with control characters escaped."""

from __future__ import annotations

import io
import sys

import pytest

from dashboard.progress import terminal_progress


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_escapes_control_characters(monkeypatch: pytest.MonkeyPatch) -> None:
    err = _Tty()
    monkeypatch.setattr(sys, "stderr", err)
    report = terminal_progress("chaos \x1b]0;pwned\x07")
    assert report is not None
    report("scenario \x1b[2J\r\nname", 1, 2)
    out = err.getvalue()
    assert "\x1b]" not in out and "\x07" not in out and "\x1b[2J" not in out
    assert "\\x1b]0;pwned\\x07" in out and "\\x1b[2J\\r\\nname" in out
    assert out.endswith("\x1b[K")  # the progress line's own erase-to-end stays a real escape


def test_no_progress_in_pipes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert terminal_progress("ingest") is None
