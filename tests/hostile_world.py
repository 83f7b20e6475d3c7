"""A store, stakeholders file and scenario file whose every free-text field carries Markdown and HTML
payloads, and the checks that nothing the dashboard rendered came from them.

The payload holds a link, an image, raw HTML, bold, inline code, strikethrough, LaTeX, a colour directive,
a bare URL (GFM autolinks it) and a newline followed by a heading.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from google.protobuf.json_format import MessageToDict
from markdown_it import MarkdownIt
from snapshots import write_snapshot

from dashboard.acceptance.service import run_gate
from dashboard.acceptance.signoff import sign_off
from dashboard.stakeholders import load_stakeholders
from dashboard.store.catalog import Store
from dashboard.store.ingest import ingest_release

EVIL = "evil.example"
PAYLOAD = (
    f"[click](http://{EVIL}) ![x](http://{EVIL}/i.png) <img src=x onerror=alert(1)> **bold** `tick` "
    f"~~strike~~ $x$ :red[red] http://{EVIL}/bare www.{EVIL} x@{EVIL} <a href=http://{EVIL}>anchor</a>\n# heading"
)
LITERAL = f"[click](http://{EVIL})"  # how the payload's start reads when it is shown as text


def hostile(what: str) -> str:
    return f"{what} {PAYLOAD}"


def stored(what: str) -> str:
    """The payload for a snapshot field: the contract refuses control characters (a newline) there."""
    return f"{what} {PAYLOAD.replace(chr(10), ' ')}"


BRAND, OTHER_BRAND = stored("brand"), "Plain brand"
CATEGORY, REGION, SOURCE, SEGMENT = stored("category"), stored("region"), stored("source"), stored("seg")
CRITERION = hostile("criterion")
SCENARIO = hostile("scenario")
START, DAYS = dt.date(2026, 6, 1), 28
PLACES = [
    ("p1", BRAND, CATEGORY, REGION, 100.0),
    ("p2", OTHER_BRAND, CATEGORY, REGION, 80.0),
    ("p3", BRAND, stored("other category"), stored("other region"), 60.0),
]


def _toml(value: Any) -> str:
    """A TOML value: JSON strings, numbers, arrays and inline tables are valid TOML as written."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value)


def _tables(name: str, rows: list[dict[str, Any]]) -> str:
    return "".join(
        f"[[{name}]]\n" + "".join(f"{json.dumps(k)} = {_toml(v)}\n" for k, v in row.items()) + "\n" for row in rows
    )


STAKEHOLDERS = _tables(
    "customers",
    [
        {
            "id": "acme",
            "name": hostile("customer"),
            "tier": "key",
            "brands": [BRAND],
            "competitors": [OTHER_BRAND],
            "regions": [REGION],
        }
    ],
) + _tables(
    "deals",
    [
        {
            "id": "trial",
            "prospect": hostile("prospect"),
            "stage": "trial",
            "owner": hostile("owner"),
            "categories": [CATEGORY],
            "regions": [REGION],
            "brands": [BRAND],
        }
    ],
) + _tables(
    "criteria",
    [
        {"name": CRITERION, "applies_to": "deals", "metric": "level_change_pct", "min": -0.1, "max": 0.1,
         "severity": "block"},
        {"name": hostile("customer criterion"), "applies_to": "customers", "metric": "level_change_pct",
         "min": -0.1, "max": 0.1, "severity": "warn"},
        {"name": hostile("category criterion"), "applies_to": "categories", "metric": "level_change_pct",
         "min": -50.0, "max": 50.0, "severity": "warn"},
    ],
)

SCENARIOS = (
    "[[scenarios]]\n"
    f"name = {json.dumps(SCENARIO)}\n"
    f"description = {json.dumps(hostile('description'))}\n"
    "[[scenarios.perturbations]]\n"
    'kind = "drop_source"\n'
    f"source = {json.dumps(SOURCE)}\n"
)


def _visits(factor: float) -> list[dict[str, Any]]:
    rows = []
    for pid, _brand, _cat, _region, base in PLACES:
        for i in range(DAYS):
            for source, share in ((SOURCE, 0.6), ("sdk_a", 0.4)):
                v = base * share * (1 + 0.01 * (i % 7)) * (factor if source == SOURCE and i >= 14 else 1.0)
                rows.append({"place_id": pid, "date": START + dt.timedelta(days=i), "source": source,
                             "segment": SEGMENT, "visits": round(v, 3), "raw_visits": int(v / 4)})
    return rows


def _manifest(folder: Path, release_id: str, created_at: str, components: dict[str, str]) -> None:
    (folder / "release.toml").write_text(
        f"release_id = {json.dumps(release_id)}\ncreated_at = {created_at}\n"
        f"description = {json.dumps(hostile('description'))}\nkind = \"release\"\n[components]\n"
        + "".join(f"{json.dumps(k)} = {json.dumps(v)}\n" for k, v in components.items()),
        encoding="utf-8",
    )


def build(root: Path) -> dict[str, Path]:
    """The hostile world under ``root``: store (two releases, a recorded verdict, a sign-off), files."""
    home = root / "store"
    store = Store(home)
    places = [
        {"place_id": pid, "name": stored(f"place {pid}"), "brand": b, "category": c, "region": r}
        for pid, b, c, r, _ in PLACES
    ]
    comp = stored("component")
    for rid, factor, created, version in (("r1", 1.0, "2026-07-01T10:00:00Z", "v1"),
                                          ("r2", 0.5, "2026-08-01T10:00:00Z", stored("v2"))):
        folder = write_snapshot(root / "snaps" / rid, rid, _visits(factor), places)
        _manifest(folder, rid, created, {"source_ingest": version, comp: version})
        ingest_release(store, folder)
    sh_path, sc_path = root / "stakeholders.toml", root / "chaos.toml"
    sh_path.write_text(STAKEHOLDERS, encoding="utf-8")
    sc_path.write_text(SCENARIOS, encoding="utf-8")
    sh = load_stakeholders(sh_path)
    gate = run_gate(store, "r1", "r2", sh, record=True, attribute=False)
    failing = next(r for r in gate.results if r.status == "fail")
    sign_off(store, "r1", "r2", failing.criterion, failing.scope, hostile("signer"), hostile("reason"), None, gate)
    return {"home": home, "stakeholders": sh_path, "scenarios": sc_path}


# ---------------------------------------------------------------------------------------------- checks
_MD = MarkdownIt("commonmark", {"html": True}).enable("strikethrough")
_MARKDOWN_FIELDS = {"body", "label", "help"}
_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.S)
_PAYLOAD_WORDS = ("click", "bold", "tick", "strike", "heading", "anchor", EVIL)


def _strings(value: Any, keys: set[str] | None) -> Iterator[str]:
    """Strings under ``keys`` (all strings when None) anywhere in a nested dict/list."""
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, str) and (keys is None or k in keys):
                yield v
            elif not isinstance(v, str):
                yield from _strings(v, keys)
    elif isinstance(value, list):
        for v in value:
            if isinstance(v, str) and keys is None:
                yield v
            else:
                yield from _strings(v, keys)


def markdown_strings(at: Any) -> list[str]:
    """Every string the page hands Streamlit as Markdown: bodies, labels and help of every element."""
    out = []
    for node in at._tree:
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "DESCRIPTOR"):
            out += list(_strings(MessageToDict(proto), _MARKDOWN_FIELDS))
    return out


def plotly_strings(at: Any) -> list[str]:
    out = []
    for el in at.get("plotly_chart"):
        spec = json.loads(el.proto.spec)
        out += list(_strings({"data": spec.get("data"), "layout": spec.get("layout")}, None))
    return out


def markdown_problems(source: str) -> list[str]:
    """What in one Markdown string came from the payload as markup rather than text."""
    html = _MD.render(source)
    problems = []
    if re.search(r"<a\b", html) or re.search(r"<img\b", html):
        problems.append("link or image")
    if re.search(r"<h[1-6]\b", html):
        problems.append("heading")
    for tag, inner in re.findall(r"<(strong|em|del|s)>(.*?)</\1>", html, re.S):
        if any(w in inner for w in _PAYLOAD_WORDS) and LITERAL not in visible(inner):
            problems.append(f"<{tag}> from a name")  # markup around a whole literal value is ours
    for inner in re.findall(r"<code>(.*?)</code>", html, re.S):
        if "tick" in inner and "bold" not in inner:  # a whole value in a code span is literal
            problems.append("code span from a name")
    texts = [t.content for tok in _MD.parse(source) for t in (tok.children or []) if t.type == "text"]
    if any(re.search(r"(?i)https?://|www\.|@[-\w]+\.", t) for t in texts):
        problems.append("URL in text (GFM autolinks it)")
    outside_code = _CODE_SPAN.sub("", source)
    if re.search(r"(?<!\\)\$", outside_code):
        problems.append("LaTeX")
    if re.search(r"(?<!\\):red(?!\\)\[", outside_code):
        problems.append("colour directive")
    return problems


def hostile_markup(at: Any) -> dict[str, list[str]]:
    """Markup from the payload on the page: {markdown or plotly string: problems}."""
    found = {s: p for s in markdown_strings(at) if (p := markdown_problems(s))}
    for s in plotly_strings(at):
        if re.search(r"<\s*(a|img|b|i|br|span|sup|sub|em|s)\b", s, re.I):
            found[s] = ["HTML in a Plotly text"]
    return found


def shows_payload_literally(at: Any) -> bool:
    """Some Markdown on the page reads the payload as text (so the check above looked at the names)."""
    return any(LITERAL in visible(_text(s)) for s in markdown_strings(at))


def visible(text: str) -> str:
    """Text as people read it: without the invisible word joiners that keep URLs from being autolinked."""
    return text.replace("\u2060", "")


def _text(source: str) -> str:
    tokens = _MD.parseInline(source)
    return "".join(t.content for tok in tokens for t in (tok.children or []) if t.type in ("text", "code_inline"))


def link_params(names: Iterable[str]) -> dict[str, str]:
    return {n: PAYLOAD for n in names}
