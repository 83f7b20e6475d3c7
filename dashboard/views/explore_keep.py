"""Explore page sections: the criteria an ad-hoc scope would get, and keeping it (saved scopes, snippet).

Drawing only: the judging is :mod:`dashboard.acceptance.hypothetical`, the keeping
:mod:`dashboard.store.saved_scopes`; their RelcheckErrors show beside the control that caused them.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard.acceptance.hypothetical import (
    bound_text,
    dropped_fields,
    hypothetical_stakeholder,
    snippet,
    stakeholder_id,
)
from dashboard.errors import RelcheckError
from dashboard.formatting import metric_value
from dashboard.metric_catalog import METRICS
from dashboard.stakeholders import Customer, Deal
from dashboard.store import saved_scopes
from dashboard.views import data, explore_data, ui

#: Widget keys of the scope pickers, filled when a saved scope is reopened.
FIELDS = {"x_brands": "brands", "x_categories": "categories", "x_regions": "regions", "x_places": "places"}
_MSG = "_x_saved_msg"


# ------------------------------------------------------------------------------------- saved scopes
def _reopen(home: str) -> None:
    name = st.session_state.get("x_saved")
    try:
        s = saved_scopes.get_scope(home, name or "")
    except RelcheckError as exc:
        st.session_state[_MSG] = ("error", str(exc))
        return
    for key, attr in FIELDS.items():
        st.session_state[key] = list(getattr(s, attr))
    st.session_state.update({"x_name": s.name, "x_kind": s.kind, "x_tier": s.tier, "x_stage": s.stage,
                             "x_find_brands": [], "x_find_cities": []})
    st.session_state[_MSG] = ("success", f"Reopened the saved scope “{s.name}”.")


def _delete(home: str) -> None:
    name = st.session_state.get("x_saved") or ""
    try:
        saved_scopes.delete_scope(home, name)
    except RelcheckError as exc:
        st.session_state[_MSG] = ("error", str(exc))
        return
    st.session_state[_MSG] = ("success", f"Deleted the saved scope “{name}”.")


def _message() -> None:
    kind, text = st.session_state.pop(_MSG, (None, None))
    if kind == "error":
        st.error(ui.md(text))
    elif kind == "success":
        st.success(ui.md(text))


def saved_scopes_picker(c: ui.Ctx) -> None:
    """List the store's saved scopes with Open and Delete; call it before the scope pickers are drawn."""
    home = str(c.store.home)
    _message()
    kept, error = ui.try_call(saved_scopes.list_scopes, home)
    with st.expander(f"Saved scopes ({len(kept or [])})", expanded=bool(kept) and not any(k.startswith("x_") for k in st.query_params)):
        if error:
            st.error(ui.md(error))
            return
        if not kept:
            st.caption("No scope saved yet: build one below and keep it under a name (bottom of the page).")
            return
        names = [s.name for s in kept]
        pick, open_, delete = st.columns([4, 1, 1], vertical_alignment="bottom")
        pick.selectbox("Saved scope", names, key="x_saved")
        open_.button("Open", key="x_open", on_click=_reopen, args=(home,), icon=":material/folder_open:",
                     width="stretch")
        delete.button("Delete", key="x_delete", on_click=_delete, args=(home,), icon=":material/delete:",
                      width="stretch")
        ui.table(
            pd.DataFrame([{"name": s.name, "checked as": f"{s.stage} deal" if s.kind == "deal" else f"{s.tier} customer",
                           "brands": ", ".join(s.brands), "categories": ", ".join(s.categories),
                           "regions": ", ".join(s.regions), "places": len(s.places), "saved at": s.saved_at}
                          for s in kept]),
            "saved_scopes",
        )


# ------------------------------------------------------------------------------------------ criteria
def _row(r: Any) -> dict[str, Any]:
    return {
        "status": ui.status_text(r.status),
        "criterion": r.criterion,
        "measure": METRICS[r.metric].label if r.metric in METRICS else r.metric,
        "value": metric_value(r.metric, r.value),
        "bound": bound_text(r),
        "severity": "blocks the release" if r.severity == "block" else "warns",
        "note": r.note or "",
    }


def criteria_section(c: ui.Ctx, scope: data.Adhoc, kind: str, tier: str, stage: str) -> Customer | Deal | None:
    """Judge the scope as the stakeholder it would be; returns that stakeholder (None when it cannot be one)."""
    entity, error = ui.try_call(
        hypothetical_stakeholder, kind, scope.name, brands=scope.brands, categories=scope.categories,
        regions=scope.regions, place_ids=scope.places, tier=tier, stage=stage,
    )
    if entity is None:
        st.warning(ui.md(error))
        return None
    if dropped_fields(kind, scope.categories):
        st.caption("Customers have no category filter: the categories are left out of this check and the snippet.")
    if c.stakeholders is None:
        st.caption(f"Criteria unavailable: the stakeholders file could not be read ({ui.md(c.stakeholders_error)}).")
        return entity
    who = f"a {stage} deal" if kind == "deal" else f"a {tier} customer"
    check, error = ui.try_call(explore_data.hypothetical, c.store, c.key, entity)
    if check is None:
        st.error(f"As {who}, this scope cannot be judged: {ui.md(error)}")
        return entity
    if not check.results:
        st.info(
            f"No criterion of the stakeholders file selects {who}, so the release gate would not check this scope. "
            "Try another stage or tier, or add a criterion for it."
        )
        return entity
    v = check.values
    verdict = "would **fail** the release gate" if check.verdict == "fail" else "would pass the release gate"
    line = (
        f"As {who}, this scope gets {len(check.results)} {'criterion' if len(check.results) == 1 else 'criteria'} "
        f"and {verdict} today "
        f"(worst status: {ui.status_text(check.status)}; {v.get('places_current', 0):,} places in the current "
        f"release, {v.get('places_candidate', 0):,} in the candidate)."
    )
    (st.error if check.verdict == "fail" else st.warning if check.status == "warn" else st.success)(line)
    ui.table(pd.DataFrame([_row(r) for r in check.results]), "explore_criteria")
    return entity


# ------------------------------------------------------------------------------------------------ keep
def _save(home: str, scope: data.Adhoc, kind: str, tier: str, stage: str) -> None:
    try:
        kept = saved_scopes.save_scope(
            home,
            saved_scopes.saved_scope(scope.name, scope.brands, scope.categories, scope.regions, scope.places,
                                     kind=kind, tier=tier, stage=stage),
            overwrite=bool(st.session_state.get("x_overwrite")),
        )
    except RelcheckError as exc:
        st.session_state["_x_save_error"] = str(exc)
        return
    st.session_state["_x_save_ok"] = f"Saved “{kept.name}”: reopen it from Saved scopes at the top of the page."


def keep_section(
    c: ui.Ctx, scope: data.Adhoc, entity: Customer | Deal | None, kind: str, tier: str, stage: str
) -> None:
    """Save the scope in the store under its name, and the stakeholders-file snippet to download."""
    st.subheader("Keep it")
    home = str(c.store.home)
    save, overwrite = st.columns([1, 3], vertical_alignment="center")
    # Saved in this run, not in an on_click callback: a callback's args are the scope of the previous run,
    # so a place picked just before the click would be left out.
    clicked = save.button("Save this scope", key="x_save", icon=":material/bookmark_add:", type="primary",
                          help="Keeps the filters, places and stakeholder kind in the store, under the scope's name.")
    overwrite.checkbox("Replace a saved scope of the same name", key="x_overwrite")
    if clicked:
        _save(home, scope, kind, tier, stage)
    if err := st.session_state.pop("_x_save_error", None):
        st.error(f"Not saved: {ui.md(err)}")
    if ok := st.session_state.pop("_x_save_ok", None):
        st.success(ui.md(ok))

    st.markdown("**A stakeholders-file snippet**")
    if entity is None:
        st.caption("No snippet: this scope cannot be written as that kind of stakeholder (see above).")
        return
    try:
        text = snippet(entity)
    except RelcheckError as exc:
        st.error(f"Cannot write this scope as a snippet: {ui.md(exc)}")
        return
    st.code(text, language="toml")
    st.download_button(
        "Download snippet",
        data=text.encode("utf-8"),
        file_name=f"{stakeholder_id(scope.name)}.toml",
        mime="application/toml",
        key="dl_snippet",
        on_click="ignore",
        icon=":material/download:",
    )


def snippet_text(entity: Customer | Deal | None) -> str | None:
    """The stakeholders-file snippet of the judged scope, or None when it cannot be written as one."""
    if entity is None:
        return None
    try:
        return snippet(entity)
    except RelcheckError:
        return None
