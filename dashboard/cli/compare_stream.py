"""A comparison printed from a spool, for one too big to hold (by place, at millions of places).

Why: two million rows of metrics as Python objects take gigabytes. Each range's rows go as JSON text into a
DuckDB temp table of this process (within the memory budget, spilled to disk past it) with their place in
the comparison and their sort key; they are read back in batches, in the order asked, and printed exactly as
the whole comparison would be (the table reads them twice: widths, then lines).
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import click
import pyarrow as pa

from dashboard.cli.common import echo, render_csv, table_lines, table_widths
from dashboard.sql import budget, duckdb_engine

if TYPE_CHECKING:
    from dashboard.engine.metrics import Comparison

#: Rows read back at a time.
BATCH = 20_000
SPOOL = "compare_spool"
#: The spool's part of the memory budget (the comparison's connection has DuckDB's share, 60 %).
SPOOL_SHARE = 0.1


class RowSpool:
    """A comparison's rows on this process's own DuckDB connection, in arrival order with a sort key."""

    def __init__(self, key: Callable[[dict[str, Any]], float | None]) -> None:
        self.key = key
        self.count = 0
        # Beside the comparison's own connection, in the budget's part outside DuckDB's share: it spills.
        self.engine = duckdb_engine.connect(memory_limit=f"{int(budget.current().total * SPOOL_SHARE)}B")

    def close(self) -> None:
        self.engine.close()

    def add(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        table = pa.table({"n": pa.array(range(self.count, self.count + len(rows)), pa.int64()),
                          "sort_key": pa.array([self.key(r) for r in rows], pa.float64()),
                          "row_json": pa.array([json.dumps(r) for r in rows], pa.string())})
        self.engine.register("spool_in", table)
        self.engine.materialise(SPOOL, "spool_rows_append", inputs={"spool_in": "spool_in"}, append=self.count > 0)
        self.engine.drop("spool_in")
        self.count += len(rows)

    def rows(self, sign: int) -> Iterator[dict[str, Any]]:
        """Every row, by sort key × ``sign`` (1 or -1), rows without a key last, ties in arrival order."""
        if not self.count:
            return
        result = self.engine.run("spool_rows_ordered", inputs={"compare_spool": "compare_spool"}, sign=sign)
        for batch in result.batches(BATCH):
            for (text,) in batch:
                yield json.loads(text)


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

