"""``relcheck attribute``: explain one scope's delta by source, effect, root cause, component, mix and rate."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from dashboard.cli.common import (
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
from dashboard.metric_catalog import METRICS

if TYPE_CHECKING:
    from dashboard.attribution.core import Attribution


@click.command("attribute")
@click.option("--current", default=None, help="Current release (default: the release marked current).")
@click.option("--candidate", default=None, help="Candidate release (default: the newest other release).")
@click.option("--scope", default="all", show_default=True,
              help="all, customer:ID, deal:ID, category:NAME, region:NAME, brand:NAME, place:ID, source:NAME, "
                   "segment:NAME.")
@click.option("--metric", default="delta", show_default=True,
              help="Metric attributed to pipeline components (any scalar metric of DESIGN section 5).")
@stakeholders_option
@format_option(["table", "json"])
@store_option
@engine_options
@handle_errors
def attribute_cmd(current: str | None, candidate: str | None, scope: str, metric: str,
                  stakeholders: Path | None, fmt: str, home: Path | None) -> None:
    """Attribute the delta of one scope between the current release and a candidate.

    Splits it by upstream source and by effect (places added, dropped, common), finds root causes with
    Adtributor over region, category, brand, source, segment and pairs of them, attributes the metric
    to pipeline components by Shapley values over ablation runs, and splits visits per place into brand
    mix and rate. Every split sums to the total.
    """
    from dashboard.attribution.core import attribute

    if metric not in METRICS or not METRICS[metric].judgeable:
        known = ", ".join(m for m, i in METRICS.items() if i.judgeable)
        raise RelcheckError(f"unknown metric '{metric}'; use one of: {known}")
    store = open_store(home)
    if not store.exists():
        raise RelcheckError(f"the store {store.home} holds no release; run `relcheck sample` or `relcheck ingest FOLDER`")
    result = attribute(store, current, candidate, scope, stakeholders=resolve_stakeholders(stakeholders),
                       metric=metric)
    if fmt == "json":
        emit_json(result.to_json())
        return
    echo(render_text(result))


def _num(x: float | None) -> str:
    return "" if x is None else f"{x:,.6g}"


def render_text(a: Attribution) -> str:
    """The attribution as readable tables, one section per lens."""
    out = [
        f"attribution of scope {a.scope}: {a.current} (current) -> {a.candidate} (candidate), "
        f"window {a.window.start}..{a.window.end}",
        f"visits current {_num(a.visits_current)}, candidate {_num(a.visits_candidate)}, "
        f"delta {_num(a.total_delta)}",
        "",
        "Causes in plain words: " + (a.explanation.text if a.explanation else "-"),
        "Divergence: " + (a.onset.line if a.onset else "none (the daily difference stays within its usual range)"),
        "",
        "By source (sums to the delta):",
        render_table([r.to_json() for r in a.by_source.rows], ["source", "visits_current", "visits_candidate", "delta"]),
        "",
        "By effect (the terms sum to the delta as printed; dropped places count negative):",
    ]
    e = a.by_effect
    out.append(render_table([
        {"effect": "added_places", "places": e.places_added, "delta": e.added_places_delta},
        {"effect": "dropped_places", "places": e.places_dropped, "delta": e.dropped_places_delta},
        {"effect": "common_places", "places": e.places_common, "delta": e.common_places_delta},
        {"effect": "(total)", "places": None, "delta": e.total},
    ], ["effect", "places", "delta"]))
    rc = a.root_causes
    out += ["", "Root causes (Adtributor, top sets by surprise):"]
    if rc.ep_guarded:
        out.append("  the total did not change: signed EP is undefined, sets use absolute EP")
    if rc.unexplained:
        out.append("  UNEXPLAINED: no dimension or pair of dimensions explains the delta (EP > 0.67)")
    out.append(render_table([
        {"rank": i + 1, "dimensions": " × ".join(s.dimensions), "elements": s.label(),
         "explanatory_power": s.explanatory_power, "abs_explanatory_power": s.abs_explanatory_power,
         "surprise": s.surprise}
        for i, s in enumerate(rc.sets)
    ], ["rank", "dimensions", "elements", "explanatory_power", "abs_explanatory_power", "surprise"]))
    j = a.joint_explanation
    out += ["", f"Joint explanation ({j.method}: segments that together explain the delta; "
                f"segments + unexplained = {_num(j.total_delta)}):"]
    rows = [{"rank": i + 1, "segment": s.label, "delta": s.delta, "share_of_movement": f"{s.share_of_movement:.1%}"}
            for i, s in enumerate(j.segments)]
    rows.append({"rank": "", "segment": "(unexplained)", "delta": j.unexplained, "share_of_movement": ""})
    out.append(render_table(rows, ["rank", "segment", "delta", "share_of_movement"]))
    c = a.by_component
    out += ["", f"By component (metric {c.metric}, method {c.method}; contributions + interaction = "
                f"{_num(c.total)}):"]
    rows = [{"component": k, "value": v} for k, v in c.contributions.items()]
    rows.append({"component": "(interaction)", "value": c.interaction})
    out.append(render_table(rows, ["component", "value"]))
    out.append("runs: " + ", ".join(f"{r.release_id}[{','.join(r.swapped) or '-'}]" for r in c.runs))
    out += [f"note: {n}" for n in c.notes]
    m = a.mix_rate
    out += ["", f"Mix against rate (visits per place {_num(m.value_current)} -> {_num(m.value_candidate)}, "
                f"change {_num(m.change)} = rate {_num(m.rate_part)} + mix {_num(m.mix_part)}):"]
    out.append(render_table([b.to_json() for b in m.brands[:10]],
                            ["brand", "places_current", "places_candidate", "r_current", "r_candidate",
                             "rate_part", "mix_part"]))
    return "\n".join(out)
