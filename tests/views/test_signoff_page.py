"""The Criteria & sign-off page: signing off a failure, refusing one without a reason, the evidence pack."""

from __future__ import annotations

import shutil

from app_support import open_page, texts

from dashboard.store.catalog import Store


def test_criteria_page_signs_off_a_failure(app_env, tmp_path, monkeypatch):
    home = tmp_path / "store"
    shutil.copytree(app_env["home"], home)  # sign-offs are appended to the store: keep the shared one clean
    monkeypatch.setenv("RELCHECK_HOME", str(home))
    at = open_page("criteria")
    assert "Verdict: FAIL" in texts(at.error)
    at.text_input(key="so_by").input("Dana Lee")
    at.text_area(key="so_reason").input("prospect informed of the W device loss")
    submit = next(b for b in at.button if b.label == "Sign off")
    submit.click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Verdict: PASS" in texts(at.success), texts(at.error) + texts(at.success)
    assert "Signed off by Dana Lee: trial deals see a steady level" in texts(at.success)
    log = next(df.value for df in at.dataframe if "reason" in df.value.columns and "by" in df.value.columns)
    assert list(log["by"]) == ["Dana Lee"] and list(log["criterion"]) == ["trial deals see a steady level"]
    results = next(df.value for df in at.dataframe if "waived_by" in df.value.columns)
    assert "waived" in set(results["status"])


def test_criteria_page_builds_the_evidence_pack(app_env, tmp_path, monkeypatch):
    at = open_page("criteria")
    assert at.get("download_button")  # the gate JSON is always there
    at.button(key="report_build").click().run()
    assert not at.exception, [e.value for e in at.exception]
    labels = {b.proto.label for b in at.get("download_button")}
    assert {"Download report.html", "Download summary.md", "Download gate.json"} <= labels


def test_criteria_sign_off_needs_a_reason(app_env, tmp_path, monkeypatch):
    home = tmp_path / "store"
    shutil.copytree(app_env["home"], home)
    monkeypatch.setenv("RELCHECK_HOME", str(home))
    at = open_page("criteria")
    at.text_input(key="so_by").input("Dana Lee")
    next(b for b in at.button if b.label == "Sign off").click().run()
    assert "reason" in texts(at.error)
    assert not Store(home).signoffs_path.exists()
