"""``relcheck compare``: the consistency metrics of DESIGN section 5 per scope, as a table, JSON or CSV."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from dashboard.cli.common import (
    BY_KINDS,
    echo,
    emit_json,
    engine_options,
    format_option,
    handle_errors,
    open_store,
    render_csv,
    render_table,
    resolve_stakeholders,
    stakeholders_option,
    store_option,
)
from dashboard.formatting import number
from dashboard.stakeholders import Stakeholders, load_stakeholders

if TYPE_CHECKING:
    from dashboard.engine.metrics import Comparison
    from dashboard.store.catalog import Store

#: How --sort orders each metric: worst (or biggest) first; nulls always last.
#:   "desc": larger is worse; "asc": smaller is worse; "abs": larger magnitude is worse.
SORT_ORDER: dict[str, str] = {
    "visits_current": "desc",
    "visits_candidate": "desc",
    "delta": "abs",
    "level_change_pct": "abs",
    "daily_corr": "asc",
    "weekly_growth_mae_pp": "desc",
    "growth_sign_agreement": "asc",
    "max_share_shift_pp": "desc",
    "rank_corr": "asc",
    "places_current": "desc",
    "places_candidate": "desc",
    "places_added": "desc",
    "places_dropped": "desc",
}

# Decimals shown in the table per column (JSON and CSV keep full precision).
_DECIMALS: dict[str, int] = {
    "visits_current": 1, "visits_candidate": 1, "delta": 1,
    "level_change_pct": 2, "level_change_ci95_low_pct": 2, "level_change_ci95_high_pct": 2,
    "weekly_growth_mae_pp": 2, "max_share_shift_pp": 2,
    "daily_corr": 4, "rank_corr": 4, "growth_sign_agreement": 3,
}


def sort_rows(comparison: Comparison, metric: str, reverse: bool = False) -> Comparison:
    """The comparison with its scopes ordered by one metric, worst first (``reverse``: best first)."""
    from dashboard.engine.metrics import Comparison

    present = [s for s in comparison.scopes if s.get(metric) is not None]
    missing = [s for s in comparison.scopes if s.get(metric) is None]
    present.sort(key=lambda s: sort_key(metric, s.get(metric)), reverse=reverse)
    return Comparison(comparison.current, comparison.candidate, comparison.window, present + missing)


def sort_key(metric: str, value: Any) -> float:
    """A metric's value as --sort orders it, ascending: worst first."""
    how = SORT_ORDER[metric]
    v = float(value)
    return -abs(v) if how == "abs" else (-v if how == "desc" else v)


def _shown(column: str, value: Any) -> Any:
    if value is None:
        return "-"
    if isinstance(value, float) and column in _DECIMALS:
        return number(value, f",.{_DECIMALS[column]}f", missing="-")
    return value


def _needs_stakeholders(by: str | None, scope: str | None) -> bool:
    return by in ("customer", "deal") or (scope or "").strip().startswith(("customer:", "deal:"))


@click.command()
@click.option("--current", default=None, metavar="ID", help="Current release (default: the one in production).")
@click.option("--candidate", default=None, metavar="ID",
              help="Candidate release (default: the newest other release of kind 'release').")
@click.option("--by", type=click.Choice(list(BY_KINDS)), default=None,
              help="One row per customer, deal, or per value present in either release.")
@click.option("--scope", default=None, metavar="SCOPE",
              help="Only this scope: all, customer:ID, deal:ID, category:NAME, region:NAME, brand:NAME, place:ID, "
                   "source:NAME or segment:NAME.")
@stakeholders_option
@click.option("--sort", "sort", type=click.Choice(list(SORT_ORDER)), default=None, metavar="METRIC",
              help="Order rows by this metric, worst first (correlations and agreement lowest first, level "
                   "changes by magnitude, the rest largest first); rows without a value last.")
@click.option("--reverse", is_flag=True, help="With --sort: best first.")
@format_option(["table", "json", "csv"])
@store_option
@engine_options
@handle_errors
def compare(
    current: str | None,
    candidate: str | None,
    by: str | None,
    scope: str | None,
    stakeholders: Path | None,
    sort: str | None,
    reverse: bool,
    fmt: str,
    home: Path | None,
) -> None:
    """Compare a candidate release with the current one: every consistency metric per scope.

    Without --by or --scope, one row for all places. Metrics (DESIGN section 5): visits_current,
    visits_candidate, delta, level_change_pct (with its 95 % interval under Poisson noise on raw visits),
    daily_corr, weekly_growth_mae_pp, growth_sign_agreement, max_share_shift_pp, rank_corr, places_current,
    places_candidate, places_added, places_dropped. A metric that cannot be computed is null in JSON,
    empty in CSV and '-' in the table.

    \b
    Examples:
      relcheck compare --by customer
      relcheck compare --current 2026.10.0 --candidate 2026.11.0 --by category --sort level_change_pct
      relcheck compare --scope deal:pacific-fitness-trial --format json
    """
    from dashboard.engine.metrics import FLAT_COLUMNS, compare_releases
    from dashboard.prefetch import prefetch

    prefetch("numpy", "scipy.special")  # needed after the scans (confidence interval); imported while they run
    store = open_store(home)
    holders: Stakeholders | None = None
    if stakeholders is not None or _needs_stakeholders(by, scope):
        holders = load_stakeholders(resolve_stakeholders(stakeholders))
    if by == "place" and scope is None:  # a scope per place: millions of rows, computed and printed in parts
        _compare_by_place(store, current, candidate, sort, reverse, fmt)
        return
    comparison = compare_releases(store, current, candidate, by=by, scope=scope, stakeholders=holders)
    if sort:
        comparison = sort_rows(comparison, sort, reverse=reverse)
    if fmt == "json":
        emit_json(comparison.to_json())
        return
    rows = comparison.flat_rows()
    if fmt == "csv":
        echo(render_csv(rows, FLAT_COLUMNS))
        return
    echo(_title(comparison, len(rows)))
    echo(render_table([{c: _shown(c, r[c]) for c in FLAT_COLUMNS} for r in rows], FLAT_COLUMNS))


def _title(comparison: Comparison, rows: int) -> str:
    w = comparison.window
    return (f"current {comparison.current} vs candidate {comparison.candidate}, "
            f"window {w.start}..{w.end} ({w.days} days), {rows} scope{'s' if rows != 1 else ''}")


def _compare_by_place(store: Store, current: str | None, candidate: str | None, sort: str | None, reverse: bool,
                      fmt: str) -> None:
    """``compare --by place`` range of places by range, its rows spooled (dashboard/cli/compare_stream.py) and
    printed as the whole comparison's would be."""
    from dashboard.cli import compare_stream
    from dashboard.engine.metrics import FLAT_COLUMNS, flatten_row
    from dashboard.engine.place_comparison import compare_by_place

    def key(row: dict[str, Any]) -> float | None:
        if not sort:
            return 0.0
        return None if row.get(sort) is None else sort_key(sort, row[sort])

    head, rows = compare_stream.spool(compare_by_place(store, current, candidate), key)
    with contextlib.closing(rows):
        sign = -1 if reverse else 1
        if fmt == "json":
            compare_stream.emit_json(head, rows.rows(sign))
        elif fmt == "csv":
            compare_stream.emit_csv((flatten_row(r) for r in rows.rows(sign)), FLAT_COLUMNS)
        else:
            def shown() -> Iterator[dict[str, Any]]:
                for r in rows.rows(sign):
                    flat = flatten_row(r)
                    yield {c: _shown(c, flat[c]) for c in FLAT_COLUMNS}

            compare_stream.emit_table(_title(head, rows.count), shown, FLAT_COLUMNS)
