"""Explore under AppTest: places by name, the criteria a scope would get, saved scopes, attribution."""

from __future__ import annotations

import shutil

import pytest
from app_support import open_page, plotly_specs, texts

from dashboard.stakeholders import parse_stakeholders
from dashboard.store.saved_scopes import list_scopes


def criteria_table(at):
    return next(df.value for df in at.dataframe if "bound" in df.value.columns)


def test_places_are_listed_by_name_brand_and_city_and_narrowed_by_brand(app_env):
    at = open_page("explore")
    places = at.multiselect(key="x_places")
    assert places.options[0] == "FreshCo p1 — FreshCo, NE"  # no city in this store: the region stands in
    assert "Indie p5 — (independent), W" in places.options and len(places.options) == 7
    at.multiselect(key="x_find_brands").set_value(["PacificFit"]).run()
    assert at.multiselect(key="x_places").options == ["PacificFit p6 — PacificFit, W", "PacificFit p7 — PacificFit, W"]
    at.multiselect(key="x_places").set_value(["p7"]).run()
    assert not at.exception, [e.value for e in at.exception]
    at.multiselect(key="x_find_brands").set_value(["FreshCo"]).run()  # narrowing keeps what was picked
    assert at.multiselect(key="x_places").value == ["p7"]


def test_a_trial_deal_scope_gets_its_criterion_and_fails_where_it_used_to_say_none_applies(app_env):
    at = open_page("explore", x_brands="PacificFit", x_name="gyms west")
    table = criteria_table(at)
    row = table.set_index("criterion").loc["trial deals see a steady level"]
    assert "fail" in row["status"] and row["bound"] == "between -5 and +5 %" and row["measure"] == "Level change"
    assert "As a trial deal, this scope gets 1 criterion and would **fail** the release gate" in texts(at.error)
    assert "No acceptance criterion applies" not in texts(at.caption)
    at.selectbox(key="x_stage").select("negotiation").run()
    assert "No criterion of the stakeholders file selects a negotiation deal" in texts(at.info)
    at.radio(key="x_kind").set_value("customer").run()
    assert "key customers keep their weekly trend" in set(criteria_table(at)["criterion"])


def test_a_customer_needs_a_brand_or_a_place(app_env):
    at = open_page("explore", x_categories="Fitness Centers", x_kind="customer")
    assert "pick a brand or a place" in texts(at.warning)
    assert not at.code  # no snippet for a stakeholder that cannot exist


def test_snippet_is_the_judged_stakeholder(app_env):
    at = open_page("explore", x_brands="PacificFit", x_name="gyms-west", x_stage="closing")
    deal = parse_stakeholders(next(c.value for c in at.code)).deals[0]
    assert (deal.id, deal.stage, deal.brands) == ("gyms-west", "closing", ("PacificFit",))


def test_ad_hoc_scope_is_attributed_to_slices_and_components(app_env):
    at = open_page("explore", x_regions="W", x_attr_metric="level_change_pct")
    assert not at.exception, [e.value for e in at.exception]
    causes = next(df.value for df in at.dataframe if "share of the movement" in df.value.columns)
    assert any("sdk_b" in s for s in causes["slice"])  # the injected fault: sdk_b lost devices in W
    assert "Contribution to Level change" in plotly_specs(at)


@pytest.fixture
def writable_env(app_files, tmp_path, monkeypatch):
    home = tmp_path / "store"
    shutil.copytree(app_files["home"], home)
    monkeypatch.setenv("RELCHECK_HOME", str(home))
    monkeypatch.setenv("RELCHECK_STAKEHOLDERS", str(app_files["stakeholders"]))
    monkeypatch.setenv("RELCHECK_SCENARIOS", str(app_files["scenarios"]))
    return home


def test_save_reopen_and_delete_a_named_scope(writable_env):
    at = open_page("explore", x_brands="PacificFit", x_regions="W", x_name="Gyms West", x_stage="closing")
    at.button(key="x_save").click().run()
    assert "Saved “Gyms West”" in texts(at.success)
    (kept,) = list_scopes(writable_env)
    assert (kept.brands, kept.regions, kept.stage) == (("PacificFit",), ("W",), "closing")
    at.button(key="x_save").click().run()  # the same name again: refused, inputs kept
    assert "already saved" in texts(at.error) and at.multiselect(key="x_brands").value == ["PacificFit"]

    fresh = open_page("explore")
    assert fresh.selectbox(key="x_saved").options == ["Gyms West"]
    fresh.button(key="x_open").click().run()
    assert not fresh.exception, [e.value for e in fresh.exception]
    assert fresh.multiselect(key="x_brands").value == ["PacificFit"]
    assert fresh.selectbox(key="x_stage").value == "closing" and fresh.text_input(key="x_name").value == "Gyms West"
    fresh.button(key="x_delete").click().run()
    assert "Deleted the saved scope" in texts(fresh.success) and list_scopes(writable_env) == []


def test_a_bad_name_is_refused_beside_the_button(writable_env):
    at = open_page("explore", x_brands="PacificFit", x_name="/etc/passwd")
    at.button(key="x_save").click().run()
    assert "bad scope name" in texts(at.error) and list_scopes(writable_env) == []


def test_a_link_names_places_by_label_and_narrowing_keeps_them(app_env):
    at = open_page("explore", x_places="ValueMart p3 — ValueMart, NE")
    assert at.multiselect(key="x_places").value == ["p3"]
    at.multiselect(key="x_find_brands").set_value(["PacificFit"]).run()
    assert at.multiselect(key="x_places").value == ["p3"]
    assert "ValueMart p3 — ValueMart, NE" in at.multiselect(key="x_places").options


def test_a_pair_too_big_for_one_picker_offers_the_narrowed_places(app_env, monkeypatch):
    """Past PICKER_MAX places (a 2,000,000-place pair took 3.9 GB listing them all) the picker offers only
    the places of the brands and cities it is narrowed to; a link's places still resolve."""
    monkeypatch.setattr("dashboard.engine.places.PICKER_MAX", 3)
    at = open_page("explore")
    assert at.multiselect(key="x_places").options == []
    assert "narrow the list by brand or city to pick places (at most 3" in texts(at.caption)
    at.multiselect(key="x_find_brands").set_value(["PacificFit"]).run()
    assert at.multiselect(key="x_places").options == ["PacificFit p6 — PacificFit, W", "PacificFit p7 — PacificFit, W"]
    at.multiselect(key="x_places").set_value(["p7"]).run()
    at.multiselect(key="x_find_brands").set_value(["FreshCo"]).run()  # narrowing keeps what was picked
    assert at.multiselect(key="x_places").value == ["p7"]
    assert not at.exception, [e.value for e in at.exception]
    linked = open_page("explore", x_places="ValueMart p3 — ValueMart, NE")
    assert linked.multiselect(key="x_places").value == ["p3"]
