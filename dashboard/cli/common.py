"""Shared CLI plumbing: the store option, output formats, errors to exit code 2.

Light on purpose: every command module imports it at start, so it imports no engine and no heavy library.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from dashboard.errors import RelcheckError
from dashboard.formatting import table_cell
from dashboard.paths import default_stakeholders

if TYPE_CHECKING:
    from dashboard.store.catalog import Store

#: The values of ``compare --by`` and ``chaos-sensitivity --family``. Written here, not imported from the
#: engine and chaos (their modules load pyarrow and pandas), so ``--help`` starts fast; tests/cli checks
#: they equal ``engine.scopes.BY_KINDS`` and ``chaos.sensitivity.FAMILIES``.
BY_KINDS: tuple[str, ...] = ("customer", "deal", "category", "region", "brand", "source", "segment", "place")
CHAOS_FAMILIES: tuple[str, ...] = ("scale_source", "noise")


def store_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--home", "home", type=click.Path(path_type=Path), default=None, envvar="RELCHECK_HOME",
        help="Store folder (default: $RELCHECK_HOME or ./relcheck_store).",
    )(fn)


def stakeholders_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--stakeholders", type=click.Path(path_type=Path), default=None,
        help="Stakeholders TOML (default: $RELCHECK_STAKEHOLDERS or the sample's).",
    )(fn)


def resolve_stakeholders(path: Path | None) -> Path:
    return path if path is not None else default_stakeholders()


def open_store(home: Path | None) -> Store:
    from dashboard.store.catalog import Store

    return Store(home)


def handle_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn RelcheckError into a one-paragraph message on stderr and exit code 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except RelcheckError as exc:
            click.echo(f"relcheck: error: {exc}", err=True)
            sys.exit(exc.exit_code)

    return wrapper


def render_table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    if not rows:
        return "(no rows)"
    cells = [[table_cell(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    line = "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(out)


def render_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for r in rows:
        writer.writerow(["" if r.get(c) is None else (json.dumps(r[c]) if isinstance(r.get(c), (list, dict)) else r[c]) for c in columns])
    return buf.getvalue().rstrip("\n")


def emit_json(payload: Any) -> None:
    click.echo(json.dumps(payload, indent=2, sort_keys=False, default=str, allow_nan=False))


def format_option(choices: Sequence[str], default: str = "table") -> Callable[..., Any]:
    return click.option(
        "--format", "fmt", type=click.Choice(list(choices)), default=default, show_default=True,
        help="Output format.",
    )
