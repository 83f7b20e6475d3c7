"""Problems people can act on show a message, never a traceback: empty store, unknown release or scope in
the link, a pair without common dates or the same release twice, a broken stakeholders file."""

from __future__ import annotations

import pytest
from app_support import APP, PAGES, TIMEOUT, open_page, texts
from streamlit.testing.v1 import AppTest


# --------------------------------------------------------------------------------------------- messages
def test_empty_store_tells_how_to_fill_it(app_env, tmp_path, monkeypatch):
    monkeypatch.setenv("RELCHECK_HOME", str(tmp_path / "nothing"))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    msg = texts(at.warning)
    assert "holds no release" in msg and "relcheck sample" in msg and "make run" in msg


def test_unknown_release_in_the_link_lists_the_releases(app_env):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["candidate"] = "2099.1"
    at.run()
    assert not at.exception
    msg = texts(at.error)
    assert "Unknown release `2099.1`" in msg
    for rid in ("r1", "r2", "r2-abl-attribution", "r2-abl-source_ingest", "old"):
        assert rid in msg


def test_pair_without_common_dates_is_an_error_not_a_traceback(app_env):
    at = open_page("review", current="old")
    assert "no common dates" in texts(at.error)


def test_unknown_scope_in_the_link_falls_back_to_all(app_env):
    at = open_page("review", scope="customer:nobody")
    assert at.selectbox(key="scope").value == "all"
    assert "Unknown scope `customer:nobody`" in texts(at.warning)


def test_causes_toggle_attributes_failures(app_env):
    at = open_page("criteria", causes="true")
    assert at.toggle(key="causes").value is True
    results = next(df.value for df in at.dataframe if "waived_by" in df.value.columns)
    failing = results[results["status"] == "fail"]
    assert not failing.empty and all("source sdk_" in cause for cause in failing["cause"])


def test_scorecard_names_causes_only_when_asked(app_env):
    def scorecard(at):
        return next(df.value for df in at.dataframe if {"kind", "pass", "fail"} <= set(df.value.columns))

    without = open_page("review")
    assert "causes" not in scorecard(without).columns
    assert "Attribute failures to causes" in texts(without.caption)
    with_causes = scorecard(open_page("review", causes="true"))
    failing = with_causes[with_causes["fail"] > 0]
    assert not failing.empty and all("source sdk_" in cause for cause in failing["causes"])


def test_broken_stakeholders_file_is_named_not_a_traceback(app_env, tmp_path, monkeypatch):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[customers]]\nid = "x"\nname = "X"\ntier = "gold"\n', encoding="utf-8")
    monkeypatch.setenv("RELCHECK_STAKEHOLDERS", str(bad))
    at = open_page("review")
    assert "bad.toml" in texts(at.error) and "tier" in texts(at.error)
    assert at.metric  # the headline numbers still show
    at.switch_page(PAGES["customers"]).run()
    assert not at.exception and "could not be read" in texts(at.error)


@pytest.mark.parametrize("page", ["review", "customers", "attribution"])
def test_same_release_twice_is_refused_with_a_clear_message(app_env, page):
    at = open_page(page, current="r1", candidate="r1")
    assert "current and candidate are the same release 'r1'" in texts(at.sidebar.error)
    assert "pick two different releases" in texts(at.main.error)
    assert not at.get("plotly_chart")  # nothing is compared
