"""Nothing user-supplied is rendered as Markdown or HTML: every page, on a store whose every free-text field
(place, brand, category, region, source, segment, description, component, customer, deal, owner,
criterion, scenario, sign-off) and every link parameter carries link, image, HTML, bold, code, LaTeX,
colour and heading payloads."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_support import APP, PAGES, TIMEOUT, open_page
from hostile_world import (
    BRAND,
    CATEGORY,
    PAYLOAD,
    build,
    hostile,
    hostile_markup,
    link_params,
    markdown_problems,
    shows_payload_literally,
)
from streamlit.testing.v1 import AppTest

from dashboard.views.ui import code, md

# Every page-level parameter the dashboard binds to the URL.
PARAMS = ("scope", "customer", "deal", "category", "release", "metric", "history_metric", "chaos_release",
          "chaos_scenarios", "chaos_cell_scenario", "chaos_cell_scope", "crit_status", "x_name", "x_kind",
          "x_brands", "x_categories", "x_regions", "x_places", "causes")
SHOWN = {"customers", "deals", "categories", "attribution", "releases", "explore", "chaos"}


@pytest.fixture(scope="module")
def hostile_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build(tmp_path_factory.mktemp("hostile"))


@pytest.fixture
def hostile_env(hostile_files, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    monkeypatch.setenv("RELCHECK_HOME", str(hostile_files["home"]))
    monkeypatch.setenv("RELCHECK_STAKEHOLDERS", str(hostile_files["stakeholders"]))
    monkeypatch.setenv("RELCHECK_SCENARIOS", str(hostile_files["scenarios"]))
    return hostile_files


def _visit(page: str, **params: str) -> AppTest:
    at = open_page(page, **params)
    if page == "chaos":  # the matrix, the drill-down and its chart only exist after a run
        at.button(key="chaos_run").click().run()
        assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("page", list(PAGES))
def test_names_from_the_store_and_stakeholders_stay_text(hostile_env, page):
    """Valid hostile values chosen through the link: the names reach titles, captions, charts."""
    at = _visit(page, scope=f"category:{CATEGORY}", category=CATEGORY, x_brands=BRAND, x_name=PAYLOAD)
    assert at.selectbox(key="scope").value == f"category:{CATEGORY}"
    assert hostile_markup(at) == {}
    if page in SHOWN:
        assert shows_payload_literally(at), page


@pytest.mark.parametrize("page", list(PAGES))
def test_hostile_link_parameters_stay_text(hostile_env, page):
    """Unknown hostile values in every link parameter: warnings and fallbacks quote them as text."""
    at = _visit(page, **link_params(PARAMS))
    assert hostile_markup(at) == {}


@pytest.mark.parametrize("role", ["current", "candidate"])
def test_hostile_release_in_the_link_is_quoted_in_the_error_as_text(hostile_env, role):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params[role] = PAYLOAD
    at.run()
    assert not at.exception
    assert "Unknown release" in at.error[0].value
    assert hostile_markup(at) == {}
    assert shows_payload_literally(at)


def test_sign_off_confirmation_shows_the_signer_as_text(hostile_env, tmp_path, monkeypatch):
    import shutil

    shutil.copytree(hostile_env["home"], tmp_path / "store")
    monkeypatch.setenv("RELCHECK_HOME", str(tmp_path / "store"))
    at = open_page("criteria")
    at.text_input(key="so_by").input(hostile("signer"))
    at.text_area(key="so_reason").input(hostile("reason"))
    next(b for b in at.get("button") if "Sign off" in str(b.proto.label)).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Signed off by" in "".join(s.value for s in at.success)
    assert hostile_markup(at) == {}
    assert shows_payload_literally(at)


# ------------------------------------------------------------------------------------------ the helpers
def test_the_check_catches_unescaped_payloads():
    """The checks above would fail on the dashboard as it was (raw names in Markdown)."""
    for raw in (PAYLOAD, f"scope `{PAYLOAD}`", f"**{PAYLOAD}**"):
        assert markdown_problems(raw), raw
    for safe in (md(PAYLOAD), code(PAYLOAD), f"**{md(PAYLOAD)}**", f"scope {code(PAYLOAD)}"):
        assert markdown_problems(safe) == [], safe


def test_code_spans_cannot_be_closed_by_the_value():
    assert code("a`b") == "``a`b``" and code("`x") == "`` `x ``"
    assert md("a\nb\x1b[2J") == r"a b\\x1b\[2J"
