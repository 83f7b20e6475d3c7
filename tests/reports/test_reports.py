"""Evidence packs (DESIGN sections 2 and 7): a self-contained HTML report that opens offline, a Markdown
summary for release notes and the gate JSON, for a release pair or one scope."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from gate_world import KEY_LEVEL, STAKEHOLDERS_TOML, START, W, build_store, stakeholders

from dashboard.acceptance import causes as causes_module
from dashboard.acceptance.service import run_gate, sign_off
from dashboard.attribution import core as attribution_core
from dashboard.attribution.plain import segment_words
from dashboard.attribution.results import RootCauses
from dashboard.errors import RelcheckError
from dashboard.reports.evidence import write_report
from dashboard.store.catalog import Store

NETWORK = re.compile(r"(?i)https?://|//cdn|<script[^>]*\bsrc\s*=|<link[^>]*\bhref\s*=")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("report-data")
    build_store(root)
    return root / "store"


@pytest.fixture
def store(built: Path, tmp_path: Path) -> Store:
    shutil.copytree(built, tmp_path / "store")
    return Store(tmp_path / "store")


def figures(html_text: str) -> list[list[dict[str, Any]]]:
    """The trace lists of every embedded Plotly figure (the JSON passed to Plotly.newPlot)."""
    decoder = json.JSONDecoder()
    out = []
    for m in re.finditer(r"Plotly\.newPlot\(\s*", html_text):
        pos = m.end()
        _, pos = decoder.raw_decode(html_text, pos)  # the div id
        pos = html_text.index(",", pos) + 1
        while html_text[pos].isspace():
            pos += 1
        traces, _ = decoder.raw_decode(html_text, pos)
        out.append(traces)
    return out


def test_pair_report(store: Store, tmp_path: Path) -> None:
    sh = stakeholders()
    sign_off(store, "r1", "r2", "competitor shares hold", "customer:freshco", "Ann <Lee>",
             "shares moved with the new <b>polygons</b>", None, stakeholders=sh)
    paths = write_report(store, "r1", "r2", tmp_path / "out", sh)
    assert set(paths) == {"html", "markdown", "json"}
    assert [p.name for p in paths.values()] == ["report.html", "summary.md", "gate.json"]

    page = paths["html"].read_text(encoding="utf-8")
    # Offline: no network address anywhere, plotly.js inline exactly once, every chart drawn with it.
    assert NETWORK.search(page) is None, NETWORK.search(page)
    assert page.count("* plotly.js v") == 1  # the library's banner: embedded once, by the first chart
    figs = figures(page)
    # The worst scopes: FreshCo (a fail and a warn) first, then the warning categories; two charts each.
    assert len(figs) == 6
    assert 'id="verdict"' in page and "Verdict: <b>FAIL</b>" in page

    # The chart data is the scope's daily series: FreshCo's scope is p1 + p2 (two sources): 3w → 3.5w.
    daily = figs[0]
    by_name = {t["name"]: t for t in daily}
    assert by_name["current (r1)"]["y"] == pytest.approx([3 * x for x in W])
    assert by_name["candidate (r2)"]["y"] == pytest.approx([3.5 * x for x in W])
    assert by_name["current (r1)"]["x"][0] == START
    waterfall = figs[1][0]
    assert waterfall["type"] == "waterfall"
    assert waterfall["x"][0] == "sdk_a" and waterfall["y"][0] == pytest.approx(0.5 * sum(W))

    # Names are escaped, never raw HTML.
    assert "FreshCo &lt;Inc&gt; &amp; Sons" in page
    assert "<Inc>" not in page
    assert "Ann &lt;Lee&gt;" in page and "<b>polygons</b>" not in page
    # Scorecard, metrics, attribution and sign-offs are there.
    for section in ("Scorecard", "Per-scope metrics", "Attribution", "Sign-offs"):
        assert f"<h2>{section}</h2>" in page
    assert "category:Grocery Stores" in page and "waived" in page
    assert page.count('<p class="onset">') >= 1  # each chart scope says when (or whether) its releases part

    md = paths["markdown"].read_text(encoding="utf-8")
    assert "**Verdict: FAIL**" in md
    assert "3 fail" in md and "1 waived" in md  # one key-customer fail and two regions without data
    assert KEY_LEVEL in md and "source sdk_a" in md  # the failing result with its cause
    assert "Ann &lt;Lee&gt;" in md  # the waiver, escaped for Markdown renderers that allow HTML
    assert NETWORK.search(md) is None

    gate_json = json.loads(paths["json"].read_text(encoding="utf-8"))
    again = run_gate(store, "r1", "r2", sh, record=False).to_json()
    assert gate_json["verdict"] == again["verdict"] == "fail"
    assert gate_json["counts"] == again["counts"]
    assert [(r["criterion"], r["scope"], r["status"]) for r in gate_json["results"]] == [
        (r["criterion"], r["scope"], r["status"]) for r in again["results"]
    ]


def test_scope_report(store: Store, tmp_path: Path) -> None:
    sh = stakeholders()
    paths = write_report(store, "r1", "r2", tmp_path / "scope", sh, scope="region:W")
    page = paths["html"].read_text(encoding="utf-8")
    assert NETWORK.search(page) is None
    figs = figures(page)
    assert len(figs) == 2  # one scope: its daily series and its source waterfall
    by_name = {t["name"]: t for t in figs[0]}
    # Region W: p2 (2w over two sources) + p3 (2w), unchanged.
    assert by_name["current (r1)"]["y"] == pytest.approx([4 * x for x in W])
    assert by_name["candidate (r2)"]["y"] == pytest.approx([4 * x for x in W])
    assert "region:W" in page and "customer:freshco" not in page.split("<h2>Scorecard</h2>")[1].split("<h2>")[0]
    # The pack heads with the scope's own verdict; the pair's FAIL comes below it, labelled release-wide.
    head = page.split("<h2>Scorecard</h2>")[0]
    assert "Verdict for scope <b>region:W</b>: <b>PASS</b>" in head
    assert head.index('id="verdict"') < head.index('id="release-verdict"')
    assert "Release-wide verdict (every scope of the pair, not only this one): <b>FAIL</b>" in head
    assert "Verdict: <b>FAIL</b>" not in page
    md = paths["markdown"].read_text(encoding="utf-8")
    assert "**Verdict for scope `region:W`: PASS**" in md and "(region:W)" in md
    assert md.index("Verdict for scope") < md.index("Release-wide verdict") and "**Verdict: FAIL**" not in md
    assert "Counts for this scope: 1 pass, 0 fail" in md


def test_scope_report_of_a_failing_scope(store: Store, tmp_path: Path) -> None:
    paths = write_report(store, "r1", "r2", tmp_path / "f", stakeholders(), scope="customer:freshco")
    md = paths["markdown"].read_text(encoding="utf-8")
    assert "**Verdict for scope `customer:freshco`: FAIL**" in md
    assert "Counts for this scope: 0 pass, 1 fail, 1 warn, 0 waived, 0 no_data." in md


def test_out_an_existing_file_is_refused_and_left_alone(store: Store, tmp_path: Path) -> None:
    target = tmp_path / "taken.txt"
    target.write_text("mine", encoding="utf-8")
    with pytest.raises(RelcheckError, match="existing file"):
        write_report(store, "r1", "r2", target, stakeholders())
    assert target.read_text(encoding="utf-8") == "mine"


def test_passing_pair_charts_all_places(store: Store, tmp_path: Path) -> None:
    """Nothing fails or warns: the report charts every place, and says PASS."""
    passing = stakeholders(STAKEHOLDERS_TOML[STAKEHOLDERS_TOML.index("[[criteria]]\nname = \"total level\""):])
    paths = write_report(store, "r1", "r2", tmp_path / "empty", passing)
    page = paths["html"].read_text(encoding="utf-8")
    assert "Verdict: <b>PASS</b>" in page
    assert len(figures(page)) == 2 and "All places" in page
    assert "**Verdict: PASS**" in paths["markdown"].read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("scope", "message"),
    [("customer:nobody", "no customer 'nobody'"), ("category:Bakeries", "unknown category 'Bakeries'"),
     ("nonsense", "bad scope")],
)
def test_unknown_scope_is_an_error(store: Store, tmp_path: Path, scope: str, message: str) -> None:
    with pytest.raises(RelcheckError, match=message):
        write_report(store, "r1", "r2", tmp_path / "bad", stakeholders(), scope=scope)
    assert not (tmp_path / "bad").exists()


def test_the_joint_explanation_stands_in_where_adtributor_has_no_set(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With Adtributor's answer emptied, the pack shows the joint explanation's segments for the chart scopes
    and the top segment in the causes table and the summary; the plain pack above shows neither."""
    plain = write_report(store, "r1", "r2", tmp_path / "plain", stakeholders())["html"].read_text(encoding="utf-8")
    assert "Joint explanation" not in plain and "top segment" not in plain

    def no_set(cube: Any, pairs: bool = True) -> RootCauses:
        return RootCauses([], True, False, cube.visits_current, cube.visits_candidate)

    monkeypatch.setattr(causes_module, "root_causes_of", no_set)
    monkeypatch.setattr(attribution_core, "root_causes_of", no_set)
    paths = write_report(store, "r1", "r2", tmp_path / "joint", stakeholders())
    page = paths["html"].read_text(encoding="utf-8")
    assert "<b>Joint explanation</b>" in page and "top segment (joint explanation)" in page
    assert "(unexplained)" in page
    # FreshCo moved only on p1 (+0.5·S): its first segment holds all of that, and the pack names it
    cause = run_gate(store, "r1", "r2", stakeholders(), record=False).result(KEY_LEVEL, "customer:freshco").cause
    assert cause is not None and cause.segment is not None
    assert cause.segment.delta == pytest.approx(0.5 * sum(W)) and cause.segment.share_of_movement == 1.0
    assert cause.segment.label in page.split("<b>Joint explanation</b>")[1]
    md = paths["markdown"].read_text(encoding="utf-8")
    assert f"explained by {segment_words(cause.segment.dimensions, cause.segment.values)}" in md
