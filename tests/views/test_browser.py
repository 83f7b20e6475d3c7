"""End to end: a real streamlit server on localhost driven by Debian's Chromium through Playwright.

The store is the simulated demo sample (a private copy, since sign-off writes to it). Pages are checked at
1,280 × 800, the smallest screen the dashboard is made for; screenshots of every page (whole height) are
saved under ``test-artifacts/`` (git-ignored) for people to look at.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
from browser_support import REPO, chromium, streamlit_server
from hostile_world import CATEGORY, EVIL, PAYLOAD, build
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from dashboard.acceptance.status import Status
from dashboard.store.catalog import Store

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]  # one worker: its servers warm once

ARTIFACTS = REPO / "test-artifacts"
LOAD = 90_000  # ms: first renders compute the comparison on a 2-core machine
WIDTH, HEIGHT = 1280, 800
#: The attribution page on a scope with a story.
ATTRIBUTION = "attribution?scope=deal:pacific-fitness-trial"
#: Every page, by its path and the name of its screenshot.
PAGES = {"": "review", "customers": "customers", "categories": "categories", "deals": "deals",
         "explore": "explore", ATTRIBUTION: "attribution", "chaos": "chaos", "criteria": "criteria",
         "releases": "releases"}
#: Pages that draw a chart as soon as they open (the others wait for a pick or a click).
CHARTED = {"", ATTRIBUTION, "categories", "deals", "releases"}


@pytest.fixture(scope="module")
def server(
    sample_store_template: Store, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Store]]:
    home = tmp_path_factory.mktemp("browser") / "store"
    shutil.copytree(sample_store_template.home, home)
    with streamlit_server(home, REPO / "sample_data" / "stakeholders.toml") as url:
        yield url, Store(home)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, accept_downloads=True)
    pg = context.new_page()
    yield pg
    context.close()


def wait_ready(page: Page) -> None:
    """Streamlit is done when the app says its script is not running (it starts 'initial', then 'running')
    and its status widget is gone."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=LOAD)
    page.wait_for_selector('[data-testid="stSidebar"]', timeout=LOAD)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=LOAD)


def sidebar_value(page: Page, label: str) -> str:
    return page.locator(f'[data-testid="stSidebar"] input[aria-label="{label}"]').input_value()


def choose(page: Page, label: str, option: str) -> None:
    """Type to filter, then Enter on the highlighted option: the list is virtualised (a long one does not
    render every option) and may open partly outside the viewport, where a click cannot reach it."""
    box = page.locator(f'input[aria-label="{label}"]')
    listed = page.locator('[role="option"]', has_text=option).first
    deadline = time.monotonic() + LOAD / 1000
    while True:
        box.click()
        box.press_sequentially(option)
        try:
            expect(listed).to_be_attached(timeout=10_000)
            break
        except AssertionError:
            # A rerun that redrew the page after the click closed the list and dropped the typing: again.
            if time.monotonic() > deadline:
                raise
            page.keyboard.press("Escape")
    box.press("Enter")
    expect(box).to_have_value(re.compile(re.escape(option)), timeout=LOAD)


def shot(page: Page, name: str) -> None:
    """The whole page: Streamlit scrolls inside its main area, so the viewport grows to its height first."""
    ARTIFACTS.mkdir(exist_ok=True)
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": WIDTH, "height": min(max(height, HEIGHT), 8000)})
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})


#: What does not fit: horizontal scroll of the document or of the main area, a chart, table or tile past the
#: main area's right edge, a metric label or value cut with an ellipsis.
FIT = """() => {
  const se = document.scrollingElement, main = document.querySelector('[data-testid="stMain"]');
  const right = main.getBoundingClientRect().right;
  const sel = '[data-testid="stVegaLiteChart"], [data-testid="stPlotlyChart"], [data-testid="stDataFrame"], '
            + '[data-testid="stMetric"], [data-testid="stMarkdown"], [data-testid="stAlert"]';
  return {
    scroll: [se.scrollWidth, se.clientWidth, main.scrollWidth, main.clientWidth],
    past: [...document.querySelectorAll(sel)].filter(e => e.getBoundingClientRect().right > right + 1)
            .map(e => e.getAttribute('data-testid') + ' ' + e.innerText.slice(0, 40)),
    cut: [...document.querySelectorAll('[data-testid="stMetricLabel"] *, [data-testid="stMetricValue"] *')]
            .filter(e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflow !== 'visible')
            .map(e => e.innerText),
  };
}"""


def test_every_page_renders_its_charts_and_fits_1280_by_800(server, page: Page) -> None:
    """Each page once: no error, its charts drawn with real marks, nothing wider than the screen, no metric
    cut, no developer toolbar (the server runs `relcheck serve`'s viewer mode); a whole-page screenshot."""
    url, _ = server
    for path, name in PAGES.items():
        page.goto(f"{url}/{path}")
        wait_ready(page)
        if path in CHARTED:
            charts = page.locator('[data-testid="stPlotlyChart"], [data-testid="stVegaLiteChart"]')
            expect(charts.first).to_be_visible(timeout=LOAD)
            # Plotly draws SVG paths; Vega draws a canvas or SVG: a rendered chart has real marks.
            page.wait_for_function(
                "() => document.querySelectorAll('.js-plotly-plot .main-svg, .vega-embed canvas, .vega-embed svg')"
                ".length > 0",
                timeout=LOAD,
            )
        page.wait_for_timeout(1000)  # charts size themselves after the script ends
        fit = page.evaluate(FIT)
        doc_w, doc_cw, main_w, main_cw = fit["scroll"]
        assert doc_w <= doc_cw and main_w <= main_cw, (path, fit)  # no horizontal scroll
        assert fit["past"] == [], (path, fit)
        assert fit["cut"] == [], (path, fit)  # no clipped metric labels
        assert page.locator('[data-testid="stException"]').count() == 0, path
        expect(page.locator('[data-testid="stToolbar"]')).to_be_attached(timeout=LOAD)  # the header did render
        assert page.locator('[data-testid="stAppDeployButton"]').count() == 0, path
        assert page.get_by_role("button", name="Deploy").count() == 0, path
        shot(page, f"1280-{name}")


def test_a_heatmap_cell_opens_its_attribution_on_the_criterions_metric(server, page: Page) -> None:
    url, _ = server
    page.goto(url)
    wait_ready(page)
    chart = page.locator('.st-key-review_heatmap [data-testid="stVegaLiteChart"]')
    chart.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    box = chart.bounding_box()
    assert box is not None
    # The one red (fail) cell: the Pacific Fitness trial on its steady-level criterion. The fail colour's
    # pixels are that cell plus a small legend swatch, so their median lies in the cell.
    image = Image.open(io.BytesIO(chart.screenshot())).convert("RGB")
    red = tuple(int(Status.FAIL.color[i : i + 2], 16) for i in (1, 3, 5))
    hits = sorted((x, y) for x in range(image.width) for y in range(image.height) if image.getpixel((x, y)) == red)
    assert hits
    x, y = hits[len(hits) // 2]
    page.mouse.click(box["x"] + x, box["y"] + y)
    link = page.get_by_role("link", name=re.compile("Explain .*Pacific Fitness"))
    expect(link).to_be_visible(timeout=LOAD)
    link.click()
    page.wait_for_url("**/attribution?**", timeout=LOAD)
    wait_ready(page)
    page.wait_for_url("**scope=deal%3Apacific-fitness-trial**", timeout=LOAD)  # the sidebar's, once drawn
    assert "metric=level_change_pct" in page.url


def test_a_first_view_writes_the_pair_into_the_link(server, page: Page) -> None:
    url, store = server
    page.goto(f"{url}/deals")
    wait_ready(page)
    current, candidate = store.pair()
    page.wait_for_url(f"**current={current}**", timeout=LOAD)
    assert f"candidate={candidate}" in page.url


def test_a_failing_row_opens_its_attribution_in_two_clicks_and_back_returns(server, page: Page) -> None:
    url, _ = server
    page.goto(f"{url}/criteria")
    wait_ready(page)
    grid = page.locator('.st-key-tbl_gate_results [data-testid="stDataFrame"]')
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    assert box is not None
    # The first row (worst first: the trial deal's failure), through its selection checkbox.
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)
    link = page.get_by_role("link", name=re.compile("Explain .*Pacific Fitness"))
    expect(link).to_be_visible(timeout=LOAD)  # the second click
    link.click()
    page.wait_for_url("**/attribution?**", timeout=LOAD)
    wait_ready(page)
    page.wait_for_url("**scope=deal%3Apacific-fitness-trial**", timeout=LOAD)
    assert "metric=level_change_pct" in page.url
    assert sidebar_value(page, "Scope") == "deal:pacific-fitness-trial"
    expect(page.locator('input[aria-label="Metric the components are judged on"]')).to_have_value(
        "level_change_pct", timeout=LOAD
    )
    page.go_back()
    page.wait_for_url("**/criteria?**", timeout=LOAD)
    wait_ready(page)
    expect(page.get_by_role("heading", name="Sign off a failure")).to_be_visible(timeout=LOAD)


def test_deep_link_applies_pair_and_scope(server, page: Page) -> None:
    url, store = server
    page.goto(f"{url}/customers?current=2026.10.0&candidate=2026.11.0-abl-attribution&customer=freshco&tab=Sources")
    wait_ready(page)
    expect(page.get_by_role("tab", name="Sources")).to_have_attribute("aria-selected", "true", timeout=LOAD)
    assert sidebar_value(page, "Current (production)") == "2026.10.0"
    assert sidebar_value(page, "Candidate") == "2026.11.0-abl-attribution"
    expect(page.get_by_role("heading", name="FreshCo Inc. (key)")).to_be_visible(timeout=LOAD)
    expect(page.locator('[data-testid="stPlotlyChart"]:visible').first).to_be_visible(timeout=LOAD)
    assert "candidate=2026.11.0-abl-attribution" in page.url
    shot(page, "customers-freshco-ablation")


def test_changing_a_picker_updates_the_link(server, page: Page) -> None:
    url, _ = server
    page.goto(f"{url}/attribution")
    wait_ready(page)
    # Ablation runs are hidden from the pickers until asked for.
    page.locator('[data-testid="stSidebar"]').get_by_text("Show ablation and replicate runs").click()
    wait_ready(page)
    choose(page, "Candidate", "2026.11.0-abl-source_ingest")
    page.wait_for_url("**candidate=2026.11.0-abl-source_ingest**", timeout=LOAD)
    wait_ready(page)
    assert sidebar_value(page, "Candidate") == "2026.11.0-abl-source_ingest"
    # The link reproduces the view in a fresh page.
    other = page.context.new_page()
    other.goto(page.url)
    wait_ready(other)
    assert sidebar_value(other, "Candidate") == "2026.11.0-abl-source_ingest"
    other.close()


def test_review_shows_the_verdict_of_the_sample_gate(server, page: Page) -> None:
    url, _ = server
    page.goto(url)
    wait_ready(page)
    banner = page.locator('[data-testid="stAlert"]', has_text="Verdict")
    expect(banner.first).to_be_visible(timeout=LOAD)
    text = banner.first.inner_text()
    # The sample is built so that exactly the Pacific Fitness trial breaks a block criterion.
    assert "Verdict: FAIL" in text and "fail 1" in text


def test_download_a_table_as_csv(server, page: Page) -> None:
    url, _ = server
    page.goto(f"{url}/customers")
    wait_ready(page)
    # The ranked table's own button (ui.table keys it dl_<table name>; Streamlit classes it st-key-<key>).
    button = page.locator(".st-key-dl_customers_by_risk").get_by_role("button", name="Download CSV")
    expect(button).to_be_visible(timeout=LOAD)
    with page.expect_download(timeout=LOAD) as info:
        button.click()
    text = Path(info.value.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 15
    assert "scope" in rows[0]
    assert {r["scope"] for r in rows} >= {"customer:freshco", "customer:ironworks"}


def test_sign_off_a_failure_and_see_it_listed(server, page: Page) -> None:
    url, store = server
    page.goto(f"{url}/criteria")
    wait_ready(page)
    expect(page.get_by_role("heading", name="Sign off a failure")).to_be_visible(timeout=LOAD)
    choose(page, "Result", "Pacific Fitness")
    page.get_by_role("textbox", name="Your name").fill("Dana Reviewer")
    page.get_by_role("textbox", name="Reason").fill(
        "Known sdk_beta device loss in W; partner restores supply next month."
    )
    page.get_by_role("button", name="Sign off").click()
    # The confirmation survives the rerun that redraws the gate; the one block failure is now waived.
    done = page.locator('[data-testid="stAlert"]', has_text="Signed off by Dana Reviewer")
    expect(done).to_be_visible(timeout=LOAD)
    assert "Pacific Fitness now shows as waived" in done.inner_text()
    banner = page.locator('[data-testid="stAlert"]', has_text="Verdict")
    expect(banner.first).to_contain_text("waived 1", timeout=LOAD)
    expect(banner.first).to_contain_text("Verdict: PASS", timeout=LOAD)
    shot(page, "criteria-signed-off")
    from dashboard.acceptance.signoff import list_signoffs

    records = [r for r in list_signoffs(store) if r["by"] == "Dana Reviewer"]
    assert len(records) == 1
    assert records[0]["scope"] == "deal:pacific-fitness-trial"


def test_concurrent_browser_sessions_do_not_interfere(server, browser: Browser) -> None:
    """Two sessions (two browser contexts: no shared cookies or storage) open at once on different pairs; each
    keeps its own candidate."""
    url, _ = server
    # The sample's own candidate (its page seen before) beside an ablation run's (computed now).
    links = {
        "2026.11.0": f"{url}/categories?candidate=2026.11.0",
        "2026.11.0-abl-poi_db": f"{url}/categories?candidate=2026.11.0-abl-poi_db",
    }
    contexts = [browser.new_context(viewport={"width": 1200, "height": 900}) for _ in links]
    try:
        pages = [c.new_page() for c in contexts]
        for pg, link in zip(pages, links.values(), strict=True):
            pg.goto(link, wait_until="commit")  # both scripts run on the server at the same time
        seen = {}
        for pg, expected in zip(pages, links, strict=True):
            wait_ready(pg)
            seen[expected] = sidebar_value(pg, "Candidate")
            assert pg.locator('[data-testid="stException"]').count() == 0
        assert seen == {k: k for k in links}
    finally:
        for c in contexts:
            c.close()


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    files = build(tmp_path_factory.mktemp("hostile-browser"))
    with streamlit_server(files["home"], files["stakeholders"], scenarios=files["scenarios"]) as url:
        yield url


@pytest.mark.parametrize(
    "path",
    [
        "customers?customer=acme&scope={scope}&x_name={payload}",
        "categories?category={category}&scope={scope}",
        "attribution?scope={scope}&metric={payload}",
        "?candidate={payload}",
        "releases?scope={payload}&release={payload}",
    ],
)
def test_hostile_deep_link_renders_no_outside_link_or_image(hostile_server, page: Page, path: str) -> None:
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url) if urlparse(r.url).hostname == EVIL else None)
    link = path.format(
        payload=quote(PAYLOAD), scope=quote(f"category:{CATEGORY}"), category=quote(CATEGORY)
    )
    page.goto(f"{hostile_server}/{link}")
    wait_ready(page)
    expect(page.get_by_text("[click](http:").first).to_be_attached(timeout=LOAD)  # shown, as text
    outside = page.evaluate(
        """evil => [...document.querySelectorAll('a[href], img[src], image, [srcset]')]
            .filter(e => ['href', 'src', 'xlink:href', 'srcset'].some(a => (e.getAttribute(a) || '').includes(evil)))
            .map(e => e.outerHTML.slice(0, 300) + ' IN ' + (e.closest('[data-testid]') || e).getAttribute('data-testid'))""",
        EVIL,
    )
    assert outside == []
    assert page.locator("h1", has_text="heading").count() == 0
    assert page.locator("strong", has_text="bold").count() == 0
    assert page.locator(".katex").count() == 0
    assert requested == []
    assert page.locator('[data-testid="stException"]').count() == 0
