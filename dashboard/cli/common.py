"""Shared CLI plumbing: the store option, output formats, errors to exit code 2.

Light on purpose: every command module imports it at start, so it imports no engine and no heavy library.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from dashboard.errors import RelcheckError
from dashboard.formatting import safe_text, table_cell
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


def _set_engine(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """Each engine option, as given (or from its environment variable), becomes this process's setting."""
    if value is None:
        return
    from dashboard.sql import engine  # light (no engine library); the engine itself loads on first query

    engine.configure(**{param.name or "": value})


def engine_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--engine duckdb|spark, --spark-master URL, --spark-remote sc://HOST:PORT (or their $RELCHECK_* variables)."""
    for decl, name, envvar, help_text in reversed((
        ("--engine", "name", "RELCHECK_ENGINE", "SQL engine: duckdb (default, in process) or spark."),
        ("--spark-master", "master", "RELCHECK_SPARK_MASTER", "With --engine spark: the Spark master URL "
         "(default local[*], a Spark started by this process)."),
        ("--spark-remote", "remote", "RELCHECK_SPARK_REMOTE", "With --engine spark: a Spark Connect server, "
         "sc://HOST:15002 (an existing cluster); takes precedence over --spark-master."),
    )):
        kind: Any = click.Choice(["duckdb", "spark"]) if name == "name" else str
        fn = click.option(decl, name, type=kind, default=None, envvar=envvar, expose_value=False,
                          callback=_set_engine, is_eager=True, help=help_text)(fn)
    return fn


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


def echo(message: object = "", err: bool = False) -> None:
    """``click.echo`` with control characters escaped: every text line the CLI prints goes through here."""
    click.echo(safe_text(message), err=err)


def handle_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn RelcheckError into a one-paragraph message on stderr and exit code 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except RelcheckError as exc:
            echo(f"relcheck: error: {exc}", err=True)
            sys.exit(exc.exit_code)

    return wrapper


def render_table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    widths = table_widths(rows, columns)
    return "(no rows)" if widths is None else "\n".join(table_lines(rows, columns, widths))


def _cells(row: dict[str, Any], columns: Sequence[str]) -> list[str]:
    return [safe_text(table_cell(row.get(c)), keep="") for c in columns]


def table_widths(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> list[int] | None:
    """Each column's width in a table of ``rows`` (None: no rows); one pass, so rows may be streamed."""
    widths = [len(c) for c in columns]
    seen = False
    for row in rows:
        seen = True
        widths = [max(w, len(cell)) for w, cell in zip(widths, _cells(row, columns), strict=True)]
    return widths if seen else None


def table_lines(rows: Iterable[dict[str, Any]], columns: Sequence[str], widths: Sequence[int]) -> Iterator[str]:
    """A table's lines: the header, its rule, then one line per row."""
    yield "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))
    yield "  ".join("-" * w for w in widths)
    for row in rows:
        yield "  ".join(v.ljust(w) for v, w in zip(_cells(row, columns), widths, strict=True))


def render_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for r in rows:
        writer.writerow([_csv_cell(r.get(c)) for c in columns])
    return buf.getvalue().rstrip("\n")


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return safe_text(value) if isinstance(value, str) else value


def emit_json(payload: Any) -> None:
    """Print JSON; non-finite numbers become null with a note (``reports.json_safe``), never a crash."""
    from dashboard.reports.json_safe import finite_json

    click.echo(json.dumps(finite_json(payload), indent=2, sort_keys=False, default=str, allow_nan=False))


def format_option(choices: Sequence[str], default: str = "table") -> Callable[..., Any]:
    return click.option(
        "--format", "fmt", type=click.Choice(list(choices)), default=default, show_default=True,
        help="Output format.",
    )
