"""Evidence packs (DESIGN sections 2 and 7): a self-contained HTML report, a Markdown summary, the gate JSON.

:func:`write_report` writes, for a release pair (or one scope of it), into ``out_dir``:

- ``report.html``: verdict, scorecard, per-scope metrics, both releases' daily series and the source waterfall
  of the scope (or of the worst failing scopes), attribution summary and sign-offs. Charts are inline Plotly;
  the first embeds plotly.js, the others reuse it. The file opens offline: it references no network address
  (the URL strings inside the plotly.js bundle, e.g. SVG namespaces and map-tile defaults the report never
  uses, are written with escaped slashes, which JavaScript reads identically).
- ``summary.md``: Markdown fit for release notes: verdict, counts, failing and warning results with causes,
  waivers.
- ``gate.json``: the gate result (:meth:`dashboard.gate.GateResult.to_json`).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dashboard.acceptance import status as statuses
from dashboard.acceptance.results import GateResult
from dashboard.acceptance.service import run_gate
from dashboard.acceptance.signoff import is_valid, list_signoffs
from dashboard.attribution import core as attribution
from dashboard.attribution.joint import JointSegment
from dashboard.engine import metrics
from dashboard.engine.scopes import (
    ATTRIBUTE_KINDS,
    ROW_KINDS,
    ScopeDef,
    check_known_values,
    resolve_scope,
    simple_scope,
)
from dashboard.engine.session import PairSession
from dashboard.errors import RelcheckError
from dashboard.formatting import report_value
from dashboard.metric_catalog import label as metric_label
from dashboard.reports.json_safe import finite_json
from dashboard.stakeholders.model import Stakeholders
from dashboard.store.catalog import Store, utc_now

MAX_CHART_SCOPES = 3
METRIC_COLUMNS: tuple[str, ...] = (
    "visits_current", "visits_candidate", "delta", "level_change_pct", "daily_corr", "weekly_growth_mae_pp",
    "growth_sign_agreement", "max_share_shift_pp", "rank_corr", "places_added", "places_dropped",
)



# ---------------------------------------------------------------------------------------------------------
# Escaping
# ---------------------------------------------------------------------------------------------------------


def _h(value: Any) -> str:
    """Text for HTML: escaped, and slashes as entities so no text can read as a network address."""
    return html.escape("" if value is None else str(value), quote=True).replace("/", "&#47;")


def _offline(script_html: str) -> str:
    """Escape the slashes of URL-looking strings inside inline scripts (``\\/`` reads as ``/`` in JavaScript).

    Plotly's figure JSON already escapes ``/``; this catches the plotly.js bundle's built-in URL strings.
    """
    out = re.sub(r"(?i)(https?:)//", r"\1\\/\\/", script_html)
    return re.sub(r"(?i)//(cdn)", r"\\/\\/\1", out)


def _md(value: Any) -> str:
    """Text for a Markdown table cell: no pipes, newlines or raw HTML."""
    text = "" if value is None else str(value)
    text = html.escape(text, quote=False).replace("\\", "\\\\").replace("|", "\\|")
    return " ".join(text.split())


def _threshold(op: str, threshold: Any) -> str:
    if op == "between" and isinstance(threshold, list | tuple):
        return f"between {report_value(threshold[0])} and {report_value(threshold[1])}"
    return f"{'≥' if op == 'min' else '≤'} {report_value(threshold)}"


# ---------------------------------------------------------------------------------------------------------
# Evidence gathering
# ---------------------------------------------------------------------------------------------------------


def _chart_scopes(gate: GateResult, scope: str | None, stakeholders: Stakeholders) -> list[ScopeDef]:
    if scope is not None:
        return [resolve_scope(scope, stakeholders)]
    worst = [gate.scope_def(s) for s in gate.worst_scopes(MAX_CHART_SCOPES)]
    defs = [d for d in worst if d is not None]
    return defs or [simple_scope("all")]


def _evidence(store: Store, gate: GateResult, defs: Sequence[ScopeDef]) -> dict[str, dict[str, Any]]:
    """Per chart scope, from one session: metrics, daily series, and the attribution lenses of
    :mod:`dashboard.attribution` that need no other release (by source, by effect, root causes)."""
    out: dict[str, dict[str, Any]] = {}
    with PairSession(store, gate.current, gate.candidate) as session:
        for d in defs:
            if d.kind in ATTRIBUTE_KINDS or d.kind in ROW_KINDS:
                check_known_values(d.kind, d.value, session.values(d.kind))
        session.prepare(list(defs))
        computed = {m.scope.scope_id: m for m in metrics.compute(session)}
        for d in defs:
            sid = d.scope_id
            values = dict(computed[sid].values)
            daily = session.daily_series(sid)
            cube = attribution.dimension_cube(session, d)
            split = attribution.source_split(cube, sid, float(values.get("delta") or 0.0))
            rc = attribution.root_causes_of(cube)
            out[sid] = {
                "scope": d,
                "metrics": values,
                "daily": daily,
                "sources": [{"source": r.source, "current": r.visits_current, "candidate": r.visits_candidate,
                             "delta": r.delta} for r in split.rows],
                "effect": attribution.effect_split(session, d),
                "root_causes": rc,
                # the joint explanation stands in where Adtributor has no set (issue 15)
                "joint": None if rc.sets else attribution.joint_of(session, d),
                # where the releases part and what diverged (README "Divergence onset")
                "onset": attribution.onset_story(session, d, computed[sid].onset),
            }
    return out


def _segment(segment: JointSegment | None) -> str:
    return "—" if segment is None else f"{segment.label} {report_value(segment.delta)}"


def _charts(gate: GateResult, evidence: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """Chart HTML per scope; the first chart carries plotly.js inline, the others reuse it."""
    from dashboard import charts

    config = {"displaylogo": False, "responsive": True}
    first = True
    out: dict[str, list[str]] = {}
    for sid, ev in evidence.items():
        name = ev["scope"].name or sid
        onset = ev.get("onset")
        figs = [
            charts.with_onset_marker(
                charts.daily_series_chart(ev["daily"], f"Daily visits — {name}", gate.current, gate.candidate),
                onset.onset.diverges_from if onset else None),
            charts.source_waterfall_chart(
                ev["sources"], ev["metrics"].get("delta") or 0.0, f"Delta by source — {name}"
            ),
        ]
        parts = []
        for fig in figs:
            fig.update_layout(height=380)
            parts.append(_offline(fig.to_html(full_html=False, include_plotlyjs=first, config=config)))
            first = False
        out[sid] = parts
    return out


def _signoff_state(rec: dict[str, Any], today: str) -> str:
    import datetime as dt

    if rec.get("revoked"):
        return "revoked"
    return "active" if is_valid(rec, dt.date.fromisoformat(today)) else "expired"


# ---------------------------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1200px;
color:#212529;padding:0 16px}
h1{margin-bottom:4px}h2{border-bottom:1px solid #dee2e6;padding-bottom:4px;margin-top:32px}
.meta{color:#495057}.verdict{padding:12px 16px;border-radius:6px;color:#fff;font-size:1.3em;margin:16px 0}
.verdict.pass{background:#2f9e44}.verdict.fail{background:#e03131}
table{border-collapse:collapse;width:100%;font-size:.9em;margin:8px 0}
th,td{border:1px solid #dee2e6;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f1f3f5}td.num{text-align:right;font-variant-numeric:tabular-nums}
.status{font-weight:600;padding:1px 6px;border-radius:4px;color:#fff;white-space:nowrap}
.scroll{overflow-x:auto}.counts span{margin-right:14px}.chart{margin:8px 0 24px 0}.note{color:#6c757d;font-size:.9em}
"""


def _status_badge(status: str) -> str:
    color = statuses.color(status, "#495057")
    return f'<span class="status" style="background:{color}">{_h(status)}</span>'


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[int] = ()) -> str:
    if not rows:
        return '<p class="note">(none)</p>'
    head = "".join(f"<th>{_h(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    return (f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>")


def _scorecard_rows(results: Sequence[Any]) -> list[list[str]]:
    rows = []
    for r in sorted(results, key=lambda r: (statuses.rank(r.status), r.scope, r.criterion)):
        note = ""
        if r.waiver is not None:
            exp = f", until {r.waiver.expires}" if r.waiver.expires else ""
            note = f"signed off by {_h(r.waiver.by)} at {_h(r.waiver.at)}{_h(exp)}: {_h(r.waiver.reason)}"
        cause = _h(r.cause.summary) if r.cause is not None else ""
        rows.append([
            _status_badge(r.status), _h(r.criterion), _h(r.scope), _h(r.scope_name), _h(r.metric),
            _h(report_value(r.value)), _h(_threshold(r.op, r.threshold)), _h(r.severity), cause, note,
        ])
    return rows


def render_html(
    gate: GateResult,
    evidence: dict[str, dict[str, Any]],
    chart_html: dict[str, list[str]],
    signoffs: Sequence[dict[str, Any]],
    scope: str | None,
    generated_at: str,
) -> str:
    results = [r for r in gate.results if scope is None or r.scope == scope]
    title = f"Release evidence pack: {gate.current} → {gate.candidate}" + (f" — {scope}" if scope else "")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_h(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_h(title)}</h1>",
        f'<p class="meta">current release <b>{_h(gate.current)}</b>, candidate <b>{_h(gate.candidate)}</b>'
        + (f"; common window {_h(gate.window.start)} … {_h(gate.window.end)}" if gate.window else "")
        + f"; stakeholders {_h(Path(gate.stakeholders_source).name)} ({_h(gate.stakeholders_checksum[:23])}…)"
        + f"; generated {_h(generated_at)}</p>",
    ]
    if scope is None:
        parts += [
            f'<div class="verdict {_h(gate.verdict)}" id="verdict">Verdict: <b>{_h(gate.verdict.upper())}</b></div>',
            '<p class="counts">' + "".join(
                f"<span>{_status_badge(k)} {v}</span>" for k, v in gate.counts.items()
            ) + "</p>",
        ]
    else:
        verdict, counts = scope_verdict(gate, scope)
        parts += [
            f'<div class="verdict {_h(verdict)}" id="verdict">Verdict for scope <b>{_h(scope)}</b>: '
            f"<b>{_h(verdict.upper())}</b></div>",
            '<p class="counts" id="scope-counts">' + "".join(
                f"<span>{_status_badge(k)} {v}</span>" for k, v in counts.items()
            ) + "</p>",
            f'<p class="meta" id="release-verdict">Release-wide verdict (every scope of the pair, not only this '
            f"one): <b>{_h(gate.verdict.upper())}</b>; "
            + ", ".join(f"{v} {_h(k)}" for k, v in gate.counts.items()) + "</p>",
        ]

    parts.append("<h2>Scorecard</h2>")
    parts.append(_table(
        ["status", "criterion", "scope", "name", "metric", "value", "threshold", "severity", "cause",
         "sign-off"],
        _scorecard_rows(results), numeric=(5,),
    ))

    parts.append("<h2>Per-scope metrics</h2>")
    metric_rows: dict[str, tuple[str, dict[str, Any]]] = {}
    if scope is None:
        for d in gate.scopes:
            metric_rows[d.scope_id] = (d.name, gate.scope_metrics.get(d.scope_id, {}))
    for sid, ev in evidence.items():
        metric_rows.setdefault(sid, (ev["scope"].name, ev["metrics"]))
    parts.append(_table(
        ["scope", "name", *[metric_label(m) for m in METRIC_COLUMNS]],
        [[_h(sid), _h(name), *[_h(report_value(vals.get(m))) for m in METRIC_COLUMNS]]
         for sid, (name, vals) in metric_rows.items()],
        numeric=tuple(range(2, 2 + len(METRIC_COLUMNS))),
    ))

    parts.append("<h2>Charts</h2>")
    if scope is None:
        shown = ", ".join(evidence)
        why = "the worst failing scopes" if gate.worst_scopes(1) else "all places (nothing fails or warns)"
        parts.append(f'<p class="note">Charts of {_h(why)}: {_h(shown)}.</p>')
    for sid, ev in evidence.items():
        parts.append(f"<h3>{_h(ev['scope'].name)} <span class=\"note\">({_h(sid)})</span></h3>")
        onset = ev.get("onset")
        parts.append(f'<p class="onset">{_h(onset.line if onset else "does not diverge: the daily difference stays within its usual range")}</p>')
        for chart in chart_html.get(sid, []):
            parts.append(f'<div class="chart">{chart}</div>')

    parts.append("<h2>Attribution</h2>")
    for sid, ev in evidence.items():
        total = ev["metrics"].get("delta") or 0.0
        abs_total = sum(abs(s["delta"]) for s in ev["sources"])
        parts.append(f"<h3>{_h(ev['scope'].name)} <span class=\"note\">({_h(sid)})</span>: "
                     f"delta {_h(report_value(total))} visits</h3>")
        parts.append("<p><b>By source</b> (the parts sum to the delta):</p>")
        parts.append(_table(
            ["source", "visits current", "visits candidate", "delta", "share of |delta|"],
            [[_h(s["source"]), _h(report_value(s["current"])), _h(report_value(s["candidate"])), _h(report_value(s["delta"])),
              _h(f"{abs(s['delta']) / abs_total:.0%}" if abs_total else "—")] for s in ev["sources"]],
            numeric=(1, 2, 3, 4),
        ))
        eff = ev["effect"]
        parts.append(
            f"<p><b>By effect</b> (the terms sum to the delta): places only in the candidate "
            f"{_h(report_value(eff.added_places_delta))} visits ({eff.places_added} places), places only in the "
            f"current release {_h(report_value(eff.dropped_places_delta))} visits ({eff.places_dropped} places), "
            f"change on the {eff.places_common} places in both {_h(report_value(eff.common_places_delta))} visits.</p>"
        )
        rc = ev["root_causes"]
        if rc.sets:
            parts.append("<p><b>Root causes</b> (Adtributor: explanatory power EP, absolute EP, surprise):</p>")
            parts.append(_table(
                ["rank", "dimensions", "elements", "delta", "EP", "|EP|", "surprise"],
                [[str(i + 1), _h(" × ".join(c.dimensions)), _h(c.label()),
                  _h(report_value(float(sum(e.delta for e in c.elements)))), _h(report_value(c.explanatory_power)),
                  _h(report_value(c.abs_explanatory_power)), _h(report_value(c.surprise))] for i, c in enumerate(rc.sets)],
                numeric=(3, 4, 5, 6),
            ))
        elif rc.unexplained:
            parts.append('<p class="note">No dimension explains this delta (no explanatory set).</p>')
        joint = ev.get("joint")
        if joint is not None and joint.segments:
            parts.append("<p><b>Joint explanation</b> (segments that together explain the delta, where "
                         "Adtributor has no set; segments + unexplained = the delta):</p>")
            parts.append(_table(
                ["rank", "segment", "delta", "share of movement"],
                [[str(i + 1), _h(x.label), _h(report_value(x.delta)), _h(f"{x.share_of_movement:.0%}")]
                 for i, x in enumerate(joint.segments)]
                + [["", "(unexplained)", _h(report_value(joint.unexplained)), ""]],
                numeric=(2, 3),
            ))
    causes = [r for r in results if r.cause is not None]
    if causes:
        parts.append("<h3>Cause of each failing or warning result</h3>")
        # the cause in plain words first; then the raw figures: the largest source move (named in the words
        # only when it stands out), the top component, and the joint explanation's top segment where
        # Adtributor had no set for some scope
        with_segment = any(r.cause.segment is not None for r in causes)
        parts.append(_table(
            ["status", "criterion", "scope", "cause", "largest source move", "source delta", "top component",
             "contribution"] + (["top segment (joint explanation)"] if with_segment else []),
            [[_status_badge(r.status), _h(r.criterion), _h(r.scope), _h(r.cause.summary), _h(r.cause.source),
              _h(report_value(r.cause.source_delta)), _h(r.cause.component or "—"),
              _h(report_value(r.cause.component_contribution))]
             + ([_h(_segment(r.cause.segment))] if with_segment else []) for r in causes],
            numeric=(5, 7),
        ))

    parts.append("<h2>Sign-offs</h2>")
    shown_signoffs = [s for s in signoffs if scope is None or s.get("scope") == scope]
    parts.append(_table(
        ["state", "at", "by", "criterion", "scope", "expires", "reason"],
        [[_h(_signoff_state(s, gate.today)), _h(s.get("at")), _h(s.get("by")), _h(s.get("criterion")),
          _h(s.get("scope")), _h(s.get("expires") or "never"), _h(s.get("reason"))] for s in shown_signoffs],
    ))
    parts.append("</body></html>")
    return "\n".join(parts)


# ---------------------------------------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------------------------------------


def scope_verdict(gate: GateResult, scope: str) -> tuple[str, dict[str, int]]:
    """One scope's own verdict (fail when any of its results fails) and counts, for a scoped pack.

    Why: a pack handed to one customer must not head with a FAIL that belongs to other scopes.
    """
    counts = {k: sum(1 for r in gate.results if r.scope == scope and r.status == k) for k in gate.counts}
    return ("fail" if counts.get(str(statuses.Status.FAIL)) else "pass"), counts


def render_markdown(gate: GateResult, scope: str | None, signoffs: Sequence[dict[str, Any]]) -> str:
    results = [r for r in gate.results if scope is None or r.scope == scope]
    def icon(verdict: str) -> str:
        return "✅" if verdict == "pass" else "❌"

    lines = [
        f"## Release gate: {_md(gate.current)} → {_md(gate.candidate)}" + (f" ({_md(scope)})" if scope else ""),
        "",
    ]
    if scope is None:
        lines += [f"**Verdict: {gate.verdict.upper()}** {icon(gate.verdict)}", "",
                  "Counts: " + ", ".join(f"{v} {k}" for k, v in gate.counts.items()) + "."]
    else:
        verdict, counts = scope_verdict(gate, scope)
        lines += [f"**Verdict for scope `{_md(scope)}`: {verdict.upper()}** {icon(verdict)}", "",
                  "Counts for this scope: " + ", ".join(f"{v} {k}" for k, v in counts.items()) + ".", "",
                  f"Release-wide verdict (every scope of the pair, not only this one): {gate.verdict.upper()}; "
                  + ", ".join(f"{v} {k}" for k, v in gate.counts.items()) + "."]
    if gate.window:
        lines += ["", f"Common window {gate.window.start} … {gate.window.end}."]
    broken = [r for r in results if r.status in ("fail", "warn")]
    broken.sort(key=lambda r: (statuses.rank(r.status), r.scope, r.criterion))
    lines += ["", "### Failing and warning results", ""]
    if broken:
        lines += ["| status | criterion | scope | metric | value | threshold | cause |",
                  "|---|---|---|---|---|---|---|"]
        for r in broken:
            cause = r.cause.summary if r.cause else ""
            lines.append(
                f"| {r.status} | {_md(r.criterion)} | {_md(r.scope_name)} (`{_md(r.scope)}`) | {_md(r.metric)} "
                f"| {_md(report_value(r.value))} | {_md(_threshold(r.op, r.threshold))} | {_md(cause)} |"
            )
    else:
        lines.append("None.")
    waived = [r for r in results if r.status == "waived"]
    lines += ["", "### Waivers", ""]
    if waived:
        lines += ["| criterion | scope | value | signed off by | at | expires | reason |",
                  "|---|---|---|---|---|---|---|"]
        for r in waived:
            w = r.waiver
            lines.append(
                f"| {_md(r.criterion)} | {_md(r.scope)} | {_md(report_value(r.value))} | {_md(w.by if w else '')} "
                f"| {_md(w.at if w else '')} | {_md((w.expires if w else None) or 'never')} "
                f"| {_md(w.reason if w else '')} |"
            )
    else:
        lines.append("None.")
    no_data = [r for r in results if r.status == "no_data"]
    if no_data:
        lines += ["", "### No data", ""]
        lines += [f"- {_md(r.criterion)} on `{_md(r.scope)}`: {_md(r.metric)} could not be computed"
                  for r in no_data]
    lines += ["", f"_{len(signoffs)} sign-off record(s) for this pair; stakeholders "
              f"{_md(Path(gate.stakeholders_source).name)} ({_md(gate.stakeholders_checksum)})._", ""]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------------------


def write_report(
    store: Store,
    current: str,
    candidate: str,
    out_dir: Path | str,
    stakeholders: Stakeholders,
    scope: str | None = None,
    *,
    gate: GateResult | None = None,
) -> dict[str, Path]:
    """Write report.html, summary.md and gate.json into ``out_dir``; return their paths by kind.

    The gate is evaluated (not recorded) unless given. ``scope`` narrows the report to one scope string.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise RelcheckError(f"--out {out} is an existing file, not a folder: give a folder for the evidence pack")
    if gate is None:
        gate = run_gate(store, current, candidate, stakeholders, record=False)
    elif (gate.current, gate.candidate) != (current, candidate):
        raise RelcheckError(f"the gate result given is for {gate.current} → {gate.candidate}")
    defs = _chart_scopes(gate, scope, stakeholders)
    scope_id = defs[0].scope_id if scope is not None else None
    evidence = _evidence(store, gate, defs)
    chart_html = _charts(gate, evidence)
    signoffs = list_signoffs(store, current, candidate)
    # Everything is rendered before the first file is written, so a failure leaves no partial pack.
    texts = {
        "html": render_html(gate, evidence, chart_html, signoffs, scope_id, utc_now()),
        "markdown": render_markdown(gate, scope_id, signoffs),
        "json": json.dumps(finite_json(gate.to_json()), indent=2, ensure_ascii=False, allow_nan=False) + "\n",
    }
    out.mkdir(parents=True, exist_ok=True)
    paths = {"html": out / "report.html", "markdown": out / "summary.md", "json": out / "gate.json"}
    for kind, path in paths.items():
        path.write_text(texts[kind], encoding="utf-8")
    return paths
