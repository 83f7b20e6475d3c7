"""The chaos lab in Chromium at 1,280 × 800: the robustness matrix (in fragility order) fits the window."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser_support import REPO, chromium, streamlit_server, wait_idle
from playwright.sync_api import Page, expect

from dashboard.store.catalog import Store

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]  # one worker: its servers warm once

ARTIFACTS = REPO / "test-artifacts"
LOAD = 180_000  # ms: eight scenarios judged on a 2-core machine
WIDTH, HEIGHT = 1280, 800


@pytest.fixture(scope="module")
def page(sample_store_template: Store) -> Iterator[tuple[str, Page]]:
    # The chaos lab writes nothing: the shared sample store is served as is.
    with streamlit_server(sample_store_template.home, REPO / "sample_data" / "stakeholders.toml",
                          scenarios=REPO / "sample_data" / "chaos.toml") as url, chromium() as b:
        yield url, b.new_context(viewport={"width": WIDTH, "height": HEIGHT}).new_page()


def wait_ready(page: Page) -> None:
    wait_idle(page, LOAD)


def test_the_robustness_matrix_fits_1280_px(page) -> None:
    url, pg = page
    pg.goto(f"{url}/chaos")
    wait_ready(pg)
    pg.locator(".st-key-chaos_run button").first.click()
    chart = pg.locator('[data-testid="stVegaLiteChart"]').first
    expect(chart).to_be_visible(timeout=LOAD)
    wait_ready(pg)
    main = pg.evaluate(
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
        " const c = document.querySelector('[data-testid=\"stVegaLiteChart\"]');"
        " return [document.documentElement.scrollWidth, m.scrollWidth, m.clientWidth,"
        " c.getBoundingClientRect().right]; }"
    )
    assert main[0] <= WIDTH and main[1] <= main[2] + 1 and main[3] <= WIDTH, main
    assert pg.locator('[data-testid="stException"]').count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    chart.scroll_into_view_if_needed()
    pg.screenshot(path=str(ARTIFACTS / "chaos-matrix-1280.png"))
