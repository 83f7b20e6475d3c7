"""A comparison printed from a spool, for one too big to hold (by place, at millions of places).

Why: two million rows of metrics as Python objects take gigabytes. Each range's rows go as JSON lines into a
file of the spill folder, their sort keys into an array; they are read back in the order asked and printed
exactly as the whole comparison would be (the table reads them twice: widths, then lines).
"""

from __future__ import annotations

import json
import tempfile
import textwrap
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import click

from dashboard.cli.common import echo, render_csv, table_lines, table_widths
from dashboard.sql import budget

if TYPE_CHECKING:
    from dashboard.engine.metrics import Comparison

#: Rows printed at a time.
BATCH = 20_000


class RowSpool:
    """A comparison's rows as JSON lines in a file of the spill folder, each with its sort key and offset.

    Only the keys and offsets stay in memory (16 bytes a row); the rows are read back one by one in the order
    asked. (DuckDB's sort of the rows themselves ran out of memory under a 200 MB limit at 3 M rows.)
    """

    def __init__(self, key: Callable[[dict[str, Any]], float | None]) -> None:
        self.key = key
        self.count = 0
        self._file = tempfile.TemporaryFile(prefix="relcheck-rows-", dir=budget.current().spill_parent)
        self._offsets = array("q")
        self._keys = array("d")
        self._missing = bytearray()

    def close(self) -> None:
        self._file.close()

    def add(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            self._offsets.append(self._file.tell())
            self._file.write(json.dumps(row).encode() + b"\n")
            value = self.key(row)
            self._keys.append(0.0 if value is None else value)
            self._missing.append(value is None)
        self.count += len(rows)

    def rows(self, sign: int) -> Iterator[dict[str, Any]]:
        """Every row, by sort key × ``sign`` (1 or -1), rows without a key last, ties in arrival order."""
        import numpy as np

        if not self.count:
            return
        keys = np.frombuffer(self._keys, dtype=np.float64) * sign
        missing = np.frombuffer(self._missing, dtype=np.uint8)
        order = np.lexsort((np.arange(self.count), keys, missing))  # missing, then key, then arrival
        for i in order:
            self._file.seek(self._offsets[i])
            yield json.loads(self._file.readline())


def spool(comparisons: Iterable[Comparison], key: Callable[[dict[str, Any]], float | None]) -> tuple[Comparison, RowSpool]:
    """Every comparison's rows into one spool; the first comparison (its releases and window) and the spool."""
    rows_spool = RowSpool(key)
    first: Comparison | None = None
    try:
        for comparison in comparisons:
            # its releases and window only: the first part's rows are not held to the end
            first = first or replace(comparison, scopes=[])
            rows_spool.add([s.to_row() for s in comparison.scopes])
    except BaseException:
        rows_spool.close()
        raise
    if first is None:
        rows_spool.close()
        raise ValueError("a comparison in parts yields at least one part")
    return first, rows_spool


def emit_json(head: Comparison, rows: Iterable[dict[str, Any]]) -> None:
    """What ``emit_json(comparison.to_json())`` prints, one row at a time."""
    from dashboard.reports.json_safe import finite_json

    def dumps(value: Any) -> str:
        return json.dumps(finite_json(value), indent=2, sort_keys=False, default=str, allow_nan=False)

    top = dumps({"current": head.current, "candidate": head.candidate, "window": head.window.to_dict()})
    click.echo(top[: -len("\n}")] + ',\n  "rows": [', nl=False)
    any_row = False
    for row in rows:
        click.echo(("," if any_row else "") + "\n" + textwrap.indent(dumps(row), "    "), nl=False)
        any_row = True
    click.echo("\n  ]\n}" if any_row else "]\n}")


def emit_csv(rows: Iterable[dict[str, Any]], columns: tuple[str, ...]) -> None:
    """What ``echo(render_csv(rows, columns))`` prints, a batch at a time."""
    batch: list[dict[str, Any]] = []
    header = True
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            _csv_batch(batch, columns, header)
            batch, header = [], False
    if batch or header:
        _csv_batch(batch, columns, header)


def _csv_batch(batch: list[dict[str, Any]], columns: tuple[str, ...], header: bool) -> None:
    text = render_csv(batch, columns)
    echo(text if header else text.split("\n", 1)[1])


def emit_table(title: str, rows: Callable[[], Iterator[dict[str, Any]]], columns: tuple[str, ...]) -> None:
    """What ``echo(title); echo(render_table(rows, columns))`` prints, reading the rows twice."""
    echo(title)
    widths = table_widths(rows(), columns)
    if widths is None:
        echo("(no rows)")
        return
    lines: list[str] = []
    for line in table_lines(rows(), columns, widths):
        lines.append(line)
        if len(lines) == BATCH:
            echo("\n".join(lines))
            lines = []
    if lines:
        echo("\n".join(lines))

