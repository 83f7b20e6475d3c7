"""The review flow under AppTest: from a failing result to its explanation, one scope across pages, links that
keep the pair, release pickers without ablation runs, a sign-off form that keeps what was typed."""

from __future__ import annotations

import shutil

import pandas as pd
from app_support import open_page, texts

from dashboard.views import ui


def test_release_pickers_hide_ablation_runs_unless_asked(app_env):
    at = open_page("review")
    assert at.selectbox(key="candidate").options == ["r1", "r2", "old"]
    at.toggle(key="all_runs").set_value(True).run()
    assert "r2-abl-attribution" in at.selectbox(key="candidate").options
    assert at.selectbox(key="candidate").value == "r2"  # the pair stays


def test_a_link_to_an_ablation_run_still_shows_it(app_env):
    at = open_page("review", candidate="r2-abl-attribution")
    assert at.selectbox(key="candidate").value == "r2-abl-attribution"
    assert "r2-abl-source_ingest" not in at.selectbox(key="candidate").options


def test_a_row_opens_the_attribution_of_its_scope_on_its_criterions_metric():
    target = ui.explain_row(metric_col="metric")
    assert target(pd.Series({"scope": "deal:gym-trial", "metric": "level_change_pct"})) == (
        "attribution", "deal:gym-trial", {"metric": "level_change_pct"})
    assert target(pd.Series({"scope": "deal:gym-trial", "metric": "not_a_metric"})) == (
        "attribution", "deal:gym-trial", {})
    assert target(pd.Series({"scope": None, "metric": "delta"})) is None
    by_scope = ui.explain_row(metric_of={"customer:freshco": "weekly_growth_mae_pp"}.get)
    assert by_scope(pd.Series({"scope": "customer:freshco"}))[2] == {"metric": "weekly_growth_mae_pp"}


def test_a_selected_row_links_to_attribution_with_pair_scope_and_metric(app_env):
    at = open_page("criteria")
    assert not at.get("page_link")
    # The dataframe's selection state, as a click on the first row leaves it (worst first: the trial's fail).
    at.session_state["tbl_gate_results"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    (link,) = at.get("page_link")
    assert link.proto.page.endswith("attribution") or "attribution" in link.proto.page
    query = dict(pair.split("=", 1) for pair in link.proto.query_string.split("&"))
    assert query == {"current": "r1", "candidate": "r2", "scope": "deal%3Agym-trial", "metric": "level_change_pct"}
    assert "Pacific Fitness" in link.proto.label and "Level change" in link.proto.label


def test_failing_results_are_selectable_and_say_status_value_and_bound(app_env):
    at = open_page("criteria")
    results = next(df.value for df in at.dataframe if "waived_by" in df.value.columns)
    row = results.set_index("scope").loc["deal:gym-trial"]
    assert row["status"] == "fail" and row["measure"] == "Level change (%)"
    assert row["value"].endswith(" %") and row["value"][0] in "+-"
    assert row["bound"] == "between -5.00 % and +5.00 %"
    selectable = [df for df in at.dataframe if df.proto.selection_mode]
    assert len(selectable) == 1


def test_picking_a_category_on_its_page_sets_the_sidebar_scope(app_env):
    at = open_page("categories", category="Grocery Stores")
    at.selectbox(key="category").select("Fitness Centers").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="scope").value == "category:Fitness Centers"
    at.selectbox(key="scope").select("category:Grocery Stores").run()
    assert at.selectbox(key="category").value == "Grocery Stores"


def test_a_page_showing_another_scope_says_so(app_env):
    at = open_page("customers", customer="freshco")
    assert at.selectbox(key="scope").value == "all"
    assert "the sidebar scope is All places" in texts(at.caption)


def test_metric_tiles_carry_real_help(app_env):
    at = open_page("review")
    tiles = {m.label: (m.value, m.help) for m in at.metric}
    value, help_ = tiles["Level change"]
    assert value.endswith(" %") and "Good:" in help_  # the unit once: in the value, not the label
    assert not any("(" in label for label in tiles)


def test_sign_off_error_keeps_the_inputs_and_shows_beside_the_field(app_env, tmp_path, monkeypatch):
    home = tmp_path / "store"
    shutil.copytree(app_env["home"], home)
    monkeypatch.setenv("RELCHECK_HOME", str(home))
    at = open_page("criteria", scope="deal:gym-trial")
    assert not at.date_input  # no expiry date unless ticked
    label = at.selectbox(key="so_target")
    assert label.value.endswith("deal:gym-trial") and "FAIL" in label.format_func(label.value)
    at.text_input(key="so_by").input("Dana Lee")
    at.button(key="so_submit").click().run()
    assert at.text_input(key="so_by").value == "Dana Lee"  # kept
    assert "Enter a reason" in texts(at.error) and "--" not in texts(at.error)
    at.checkbox(key="so_has_expiry").check().run()
    assert len(at.date_input) == 1
