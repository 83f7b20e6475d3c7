"""Chaos commands: chaos (scenarios as virtual candidates) and chaos-sensitivity (the smallest fault that breaks).

Both are analyses, not gates: they exit 0 whatever the scenarios do to the criteria (a failing scenario is
a finding, not an error), and 2 on a usage or data error (unknown release, bad scenario or stakeholders file).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import click

from dashboard.cli.common import (
    CHAOS_FAMILIES,
    echo,
    emit_json,
    engine_options,
    format_option,
    handle_errors,
    open_store,
    render_table,
    resolve_stakeholders,
    stakeholders_option,
    store_option,
)
from dashboard.errors import RelcheckError
from dashboard.paths import default_scenarios
from dashboard.progress import terminal_progress
from dashboard.stakeholders import load_stakeholders

if TYPE_CHECKING:
    from dashboard.chaos.robustness import ChaosResult
    from dashboard.chaos.sensitivity import SensitivityResult


def _chaos_table(result: ChaosResult) -> str:
    out = [f"chaos lab on release {result.release}: {len(result.scenarios)} scenario(s)", ""]
    for s in result.scenarios:
        counts: dict[str, int] = {}
        for r in s.results:
            counts[r.status] = counts.get(r.status, 0) + 1
        tally = ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "no criteria applied"
        out.append(f"[{s.verdict}] {s.name}: {s.scenario.describe()}  ({tally})")
        for b in s.breaks():
            shown = f"{b.value:.4g}" if isinstance(b.value, float) else str(b.value)
            out.append(f"    {b.scope}: {b.status} first on {b.metric} = {shown} ({b.criterion})")
    out += ["", "robustness matrix (worst status per stakeholder; '.' = pass):"]
    frame = result.matrix_frame()
    rows = []
    for scope in frame.columns:
        row: dict[str, object] = {"stakeholder": scope}
        for i, name in enumerate(frame.index, start=1):
            status = frame.loc[name, scope]
            row[f"S{i}"] = "." if status == "pass" else (status or "-")
        rows.append(row)
    out.append(render_table(rows, ["stakeholder", *(f"S{i}" for i in range(1, len(frame.index) + 1))]))
    out += [f"  S{i} = {name}" for i, name in enumerate(frame.index, start=1)]
    return "\n".join(out)


@click.command()
@click.option("--release", "release_id", default=None, help="Release to perturb (default: the current one).")
@click.option("--scenarios", "scenarios_path", type=click.Path(path_type=Path), default=None,
              help="Scenario TOML (default: $RELCHECK_SCENARIOS or sample_data/chaos.toml).")
@click.option("--scenario", "names", multiple=True, help="Run only this scenario (repeatable).")
@stakeholders_option
@format_option(["table", "json"])
@store_option
@engine_options
@handle_errors
def chaos(release_id: str | None, scenarios_path: Path | None, names: tuple[str, ...],
          stakeholders: Path | None, fmt: str, home: Path | None) -> None:
    """Run upstream-fault scenarios as virtual candidates against a release and judge the criteria.

    Each scenario (drop, scale or shift a source, noise, a lost or duplicated day, dropped places)
    is applied to the release as views, without writing anything, and compared with the unperturbed
    release by the gate's criteria. Prints each scenario's verdict, the criterion that breaks first
    per stakeholder, and the robustness matrix.

    This is an analysis, not a gate: it exits 0 even when scenarios fail criteria, 2 on errors.
    """
    from dashboard.chaos.robustness import run_chaos
    from dashboard.chaos.scenario import select_scenarios
    from dashboard.chaos.scenario_file import load_scenarios

    store = open_store(home)
    scenarios = load_scenarios(scenarios_path or default_scenarios())
    if names:
        scenarios = select_scenarios(scenarios, names)
    people = load_stakeholders(resolve_stakeholders(stakeholders))
    rid = release_id or store.current_id()
    result = run_chaos(store, rid, scenarios, people, progress=terminal_progress("chaos"))
    if fmt == "json":
        emit_json(result.to_json())
    else:
        echo(_chaos_table(result))


def _sensitivity_rows(results: list[SensitivityResult]) -> list[dict[str, object]]:
    rows = []
    for r in results:
        d = r.to_dict()
        d["reading"] = {
            "breaks": "breaks",
            "never_breaks": "never breaks in range (too loose?)",
            "breaks_at_smallest": "breaks even at the smallest fault (too tight?)",
            "no_data": "no data even at the smallest fault",
        }[r.outcome]
        rows.append(d)
    return rows


@click.command("chaos-sensitivity")
@click.option("--release", "release_id", default=None, help="Release to perturb (default: the current one).")
@click.option("--family", type=click.Choice(list(CHAOS_FAMILIES)), default="scale_source", show_default=True,
              help="scale_source: scale SOURCE by a factor in [lo, hi]; noise: noise with a cv in [lo, hi].")
@click.option("--source", default=None, help="The source to scale (required for scale_source) or to noise.")
@click.option("--regions", default=None, help="Comma-separated regions to restrict the fault to.")
@click.option("--lo", type=float, default=0.0, show_default=True, help="Low end of the factor or cv range.")
@click.option("--hi", type=float, default=1.0, show_default=True, help="High end of the factor or cv range.")
@click.option("--tol", type=float, default=1e-3, show_default=True, help="Precision of each threshold.")
@click.option("--seed", type=int, default=0, show_default=True, help="Noise seed (noise family).")
@stakeholders_option
@format_option(["table", "json"])
@store_option
@engine_options
@handle_errors
def chaos_sensitivity(release_id: str | None, family: str, source: str | None, regions: str | None, lo: float,
                      hi: float, tol: float, seed: int, stakeholders: Path | None, fmt: str,
                      home: Path | None) -> None:
    """Find, per stakeholder and criterion, the smallest fault that breaks it.

    For scale_source the fault is losing a share of SOURCE (factor 1 = none, 0 = outage); for noise
    it is the coefficient of variation. Each threshold is found by bisection (assuming the status
    moves monotonically with the fault). Criteria that never break are too loose to notice the fault;
    criteria that break at the smallest one are so tight noise trips them.

    An analysis, not a gate: exits 0 whatever breaks, 2 on errors.
    """
    from dashboard.chaos.scenario import MAX_CV
    from dashboard.chaos.sensitivity import sensitivity

    if family == "noise" and not 0 <= lo <= hi <= MAX_CV:
        raise RelcheckError(f"--lo and --hi for noise must satisfy 0 <= lo <= hi <= {MAX_CV:g} (a plausibility "
                            f"limit on the coefficient of variation); got [{lo:g}, {hi:g}]")
    if not math.isfinite(tol) or not 0 < tol <= 1:
        raise RelcheckError(f"--tol must be a number in (0, 1]; got {tol:g}")
    store = open_store(home)
    people = load_stakeholders(resolve_stakeholders(stakeholders))
    rid = release_id or store.current_id()
    regs = [r.strip() for r in regions.split(",") if r.strip()] if regions else None
    results = sensitivity(store, rid, people, family=family, source=source, regions=regs, lo=lo, hi=hi,
                          tol=tol, seed=seed, progress=terminal_progress("sensitivity"))
    rows = _sensitivity_rows(results)
    if fmt == "json":
        emit_json({
            "release": rid, "family": family, "source": source, "regions": regs or [], "lo": lo, "hi": hi,
            "tol": tol, "seed": seed if family == "noise" else None, "results": rows,
        })
        return
    param = "factor" if family == "scale_source" else "cv"
    echo(f"sensitivity of release {rid} to {family} ({param} in [{lo:g}, {hi:g}], tol {tol:g})"
               + (f" of {source}" if source else "") + (f" in {', '.join(regs)}" if regs else ""))
    echo(render_table(rows, ["scope", "criterion", "metric", "severity", "breaks_at", "holds_at", "reading"]))
