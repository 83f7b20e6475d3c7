"""``relcheck backtest``: how a criterion would have fared on every past release pair, and the thresholds
that history and noise allow. An analysis, not a gate: exit 0 whatever the statuses, 2 on errors."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from dashboard.cli.common import (
    echo,
    emit_json,
    format_option,
    handle_errors,
    open_store,
    render_csv,
    render_table,
    resolve_stakeholders,
    stakeholders_option,
    store_option,
)
from dashboard.errors import RelcheckError
from dashboard.formatting import number
from dashboard.paths import default_scenarios

if TYPE_CHECKING:
    from dashboard.guarantees.backtest import Backtest

COLUMNS = ("kind", "current", "candidate", "value", "status")


def _rows(result: Backtest) -> list[dict[str, Any]]:
    rows = [{"kind": "history", **p.to_json()} for p in result.pairs]
    rows += [{"kind": "chaos", **p.to_json()} for p in result.chaos or ()]
    return rows


def _num(value: float | None) -> str:
    return number(value, ",.4g", missing="-") if value is not None else "-"


def _table(result: Backtest) -> str:
    floor = result.noise_floor
    rate = "-" if result.pass_rate is None else f"{100 * result.pass_rate:.0f}%"
    shown = [{**r, "value": _num(r["value"])} for r in _rows(result)]
    lines = [
        f"backtest of '{result.criterion.name}' ({result.metric}, {result.op}) on {result.scope.scope_id}",
        "",
        render_table(shown, COLUMNS),
        "",
        f"pass rate: {rate} of {len(result.pairs)} past pair(s)",
        f"noise floor: {_num(floor.value)} ({floor.method}"
        + (f", {floor.replicates} replicates of {floor.base}" if floor.method == "replicates" else "")
        + (f"; {floor.reason}" if floor.value is None and floor.reason else "") + ")",
        f"suggested threshold ({result.op}): by history {_num(result.by_history)} "
        f"(held on >= {100 * result.share:g}% of past pairs), by noise {_num(result.by_noise)}",
    ]
    return "\n".join(lines)


@click.command()
@click.option("--scope", "scope_text", required=True,
              help="Scope string: all, customer:ID, deal:ID, category:NAME, region:NAME, brand:NAME, place:ID, ...")
@click.option("--metric", default=None, help="A metric, judged within 3x the scope's noise floor.")
@click.option("--criterion", "criterion_name", default=None, help="A criterion of the stakeholders file, by name.")
@click.option("--share", type=float, default=0.8, show_default=True,
              help="Share of past pairs the history-based threshold must hold on, in (0, 1].")
@click.option("--chaos", "with_chaos", is_flag=True, help="Also judge the chaos scenarios on the current release.")
@click.option("--scenarios", "scenarios_path", type=click.Path(path_type=Path), default=None,
              help="Scenario TOML for --chaos (default: $RELCHECK_SCENARIOS or sample_data/chaos.toml).")
@stakeholders_option
@format_option(["table", "json", "csv"])
@store_option
@handle_errors
def backtest(scope_text: str, metric: str | None, criterion_name: str | None, share: float, with_chaos: bool,
             scenarios_path: Path | None, stakeholders: Path | None, fmt: str, home: Path | None) -> None:
    """Evaluate a criterion on every consecutive pair of releases (kind "release", by created_at).

    Reports each pair's value and status, the pass rate, the scope's noise floor (from replicates of the
    current release, else the level's Poisson interval) and suggested thresholds: by_history, the tightest
    that held on --share of past pairs; by_noise, 3x the noise floor. Thresholds read as the criterion's
    bound: for a "between" criterion a half-width around no change (level_change_pct 2 = -2%..+2%).
    """
    from dashboard.engine.metrics import scope_values
    from dashboard.engine.scopes import ATTRIBUTE_KINDS, check_known_values, resolve_scope
    from dashboard.guarantees.backtest import backtest as run
    from dashboard.guarantees.backtest import check_share, default_criterion, release_history
    from dashboard.stakeholders import load_stakeholders

    check_share(share)
    if (metric is None) == (criterion_name is None):
        raise RelcheckError("give exactly one of --metric METRIC or --criterion NAME")
    store = open_store(home)
    needs_file = criterion_name is not None or scope_text.split(":", 1)[0] in ("customer", "deal")
    people = load_stakeholders(resolve_stakeholders(stakeholders)) if needs_file else None
    scope = resolve_scope(scope_text, people)
    history = release_history(store)
    if len(history) < 2:
        raise RelcheckError(f"the store {store.home} holds {len(history)} release(s) of kind 'release'; a backtest "
                            "needs at least two (`relcheck releases` lists them)")
    if scope.kind in ATTRIBUTE_KINDS:
        check_known_values(scope.kind, scope.value, scope_values(store, history, scope.kind))
    crit = people.criterion(criterion_name) if people is not None and criterion_name else default_criterion(metric or "")
    scenarios = None
    if with_chaos:
        from dashboard.chaos.scenario_file import load_scenarios

        scenarios = load_scenarios(scenarios_path or default_scenarios())
    result = run(store, scope, crit, share=share, scenarios=scenarios)
    if fmt == "json":
        emit_json(result.to_json())
    elif fmt == "csv":
        echo(render_csv(_rows(result), COLUMNS))
    else:
        echo(_table(result))
