"""Shared dashboard state and widgets: the sidebar pickers, the page context, messages, tables.

The sidebar's release pair and scope are keyed widgets bound to the URL (``bind="query-params"``), so
``?current=2026.10.0&candidate=2026.11.0&scope=customer:freshco`` opens any page on that view. Pages get
the resolved state with :func:`ctx` and only draw what the core returns.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import pandas as pd
import streamlit as st

from dashboard import formatting
from dashboard.acceptance import status as statuses
from dashboard.acceptance.results import GateResult
from dashboard.engine.metrics import ScopeMetrics
from dashboard.errors import NotFoundError, RelcheckError
from dashboard.metric_catalog import METRICS, help_text, short_label
from dashboard.metric_catalog import label as metric_label
from dashboard.paths import default_stakeholders
from dashboard.stakeholders.model import Stakeholders
from dashboard.store.catalog import Release, Store, default_home
from dashboard.views import data

T = TypeVar("T")

# Widget keys bound to the URL (the key is the query parameter's name).
K_CURRENT, K_CANDIDATE, K_SCOPE, K_CAUSES = "current", "candidate", "scope", "causes"
K_ALL_RUNS = "all_runs"
_CTX = "_relcheck_ctx"

#: Page files by URL path (dashboard/app.py PAGES): where a selected row or cell takes you.
PAGE_FILES = {
    "review": "views/review.py",
    "customers": "views/customers.py",
    "categories": "views/categories.py",
    "deals": "views/deals.py",
    "explore": "views/explore.py",
    "attribution": "views/attribution.py",
    "chaos": "views/chaos_lab.py",
    "criteria": "views/criteria.py",
    "releases": "views/releases.py",
}
#: Page-level pickers that show one scope of a kind; they and the sidebar scope follow each other.
SCOPE_PICKERS = {"customer": "customer", "deal": "deal", "category": "category"}

FIX_EMPTY = (
    "Build the sample store with `relcheck sample` (or `make run`, which also starts the dashboard), "
    "or ingest a release snapshot with `relcheck ingest FOLDER`."
)

SCOPE_KIND_LABELS = {
    "all": "All places",
    "customer": "Customer",
    "deal": "Deal",
    "category": "Category",
    "region": "Region",
    "brand": "Brand",
    "source": "Source",
    "segment": "Segment",
}


@dataclass
class Ctx:
    """Everything a page needs: the store, the chosen pair and scope, the stakeholders file."""

    store: Store
    releases: list[Release]
    current: str
    candidate: str
    scope: str
    stakeholders_path: Path
    stakeholders: Stakeholders | None
    stakeholders_error: str | None
    pair_error: str | None = None
    scope_options: list[str] = field(default_factory=list)
    causes: bool = False
    #: Stakeholder scopes' display names (``customer:freshco`` → ``FreshCo Inc.``).
    scope_names: dict[str, str] = field(default_factory=dict)

    def scope_name(self, scope: str | None = None) -> str:
        """A scope (default: the sidebar's) as people read it."""
        return scope_name(self.scope if scope is None else scope, self.scope_names)

    @property
    def key(self) -> data.Key:
        return data.key_of(self.store, self.current, self.candidate, self.stakeholders_path)

    @property
    def ids(self) -> list[str]:
        return [r.release_id for r in self.releases]

    def release(self, release_id: str) -> Release:
        return next(r for r in self.releases if r.release_id == release_id)

    def gate(self) -> tuple[GateResult | None, str | None]:
        """The gate on the pair (with causes when the sidebar asks for them): (result, message)."""
        if self.stakeholders is None:
            return None, f"the stakeholders file could not be read: {self.stakeholders_error}"
        if self.pair_error:
            return None, self.pair_error
        return try_call(data.gate_for, self.store, self.key, self.causes)

    def require_gate(self) -> GateResult:
        self.require_stakeholders()
        self.require_pair()
        return call(data.gate_for, self.store, self.key, self.causes)

    def require_pair(self) -> None:
        """Stop the page with the core's message when the pair cannot be compared."""
        if self.pair_error:
            st.error(md(self.pair_error))
            st.stop()

    def require_stakeholders(self) -> Stakeholders:
        if self.stakeholders is None:
            st.error(
                f"The stakeholders file could not be read: {md(self.stakeholders_error)}\n\n"
                "Fix the file, or point `RELCHECK_STAKEHOLDERS` at another one."
            )
            st.stop()
        return self.stakeholders


# ------------------------------------------------------------------------------------------- escaping
_MD_SPECIAL = re.compile("([" + re.escape(string.punctuation) + "])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_AUTOLINK = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:(?=/)|(?i:www)(?=\.)|@")
_JOINER = "\u2060"


def md(value: Any) -> str:
    """``value`` as literal text inside Markdown: names, ids, link parameters and core messages come from
    users, and Streamlit renders Markdown (links, images, LaTeX, colours) in bodies, labels and help.

    Every ASCII punctuation character is backslash-escaped (CommonMark shows it as itself); line breaks and
    tabs become spaces and other control characters a visible ``\\xNN``, so nothing starts a block.
    """
    text = _CONTROL.sub(lambda m: " " if m.group() in "\t\n\r" else f"\\x{ord(m.group()):02x}", str(value))
    # GFM turns URLs and e-mail addresses in plain text into links even when escaped: an invisible word
    # joiner after "scheme:", "www" and "@" keeps them text.
    text = _AUTOLINK.sub(lambda m: m.group() + _JOINER, text)
    return _MD_SPECIAL.sub(r"\\\1", text)


def code(value: Any) -> str:
    """``value`` as an inline code span (literal by definition), fenced by more backticks than any run of
    backticks inside it, so the value cannot close the span and continue as Markdown."""
    text = _CONTROL.sub(" ", str(value))
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


# ------------------------------------------------------------------------------------------- messages
def stop_error(message: str) -> NoReturn:
    """Show ``message`` (Markdown: escape what it quotes with :func:`md`) and stop the page."""
    st.error(message)
    st.stop()
    raise AssertionError("unreachable")  # st.stop raises


def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a core call; its RelcheckError becomes an error message and the page stops."""
    try:
        return fn(*args, **kwargs)
    except RelcheckError as exc:
        stop_error(md(exc))


def try_call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[T | None, str | None]:
    """Like :func:`call` but does not stop the page: (result, message as plain text: escape it to show it)."""
    try:
        return fn(*args, **kwargs), None
    except RelcheckError as exc:
        return None, str(exc)


@contextmanager
def section_guard() -> Any:
    """Inside a page section: a core error shows as a message and the rest of the page still renders."""
    try:
        yield
    except RelcheckError as exc:
        st.error(md(exc))


# -------------------------------------------------------------------------------------------- sidebar
def _raw_param(name: str) -> str | None:
    try:
        return st.query_params.get(name)
    except Exception:  # noqa: BLE001 - the URL is read best-effort
        return None


def sidebar() -> Ctx | None:
    """Draw the sidebar pickers and resolve the page context; None (with a message shown) if no page can run."""
    home = default_home()
    store = data.get_store(home)
    raw = {k: _raw_param(k) for k in (K_CURRENT, K_CANDIDATE, K_SCOPE)}
    releases = store.releases() if store.exists() else []
    if not releases:
        st.title("relcheck")
        st.warning(f"The store at {code(store.home)} holds no release yet.\n\n{FIX_EMPTY}")
        return None
    ids = [r.release_id for r in releases]
    try:
        cur_default, cand_default = store.pair()
    except RelcheckError:  # a single release: nothing to compare it with (the pages say so)
        cur_default = cand_default = _current_or_first(store, ids)
    kinds = {r.release_id: r.kind for r in releases}
    # The pair is always written in the link (a link must show the same comparison after the next
    # promotion): the pickers have no default of their own, so their value is never "the default" that a
    # bound widget leaves out of the URL; a first visit starts them on the store's pair.
    for k, default in ((K_CURRENT, cur_default), (K_CANDIDATE, cand_default)):
        if st.session_state.get(k) is None and not raw[k]:
            _seed_link(k, default)

    pair_box = st.sidebar.container()
    with st.sidebar:
        all_runs = st.toggle(
            "Show ablation and replicate runs",
            value=False,
            key=K_ALL_RUNS,
            bind="query-params",
            help="Ablation runs rebuild the current release with one pipeline component swapped; compare one "
            "to see that component's effect alone. Hidden by default: they are not releases anyone ships.",
        )
    chosen = {st.session_state.get(K_CURRENT), st.session_state.get(K_CANDIDATE), raw[K_CURRENT], raw[K_CANDIDATE]}
    shown = [i for i in ids if all_runs or kinds.get(i) == "release" or i in chosen]

    with pair_box:
        st.subheader("Release pair")
        current = st.selectbox(
            "Current (production)",
            shown,
            index=None,
            key=K_CURRENT,
            bind="query-params",
            placeholder=cur_default,
            help=f"The release in production. Default: the release marked current ({md(cur_default)}).",
        ) or cur_default
        candidate = st.selectbox(
            "Candidate",
            shown,
            index=None,
            key=K_CANDIDATE,
            bind="query-params",
            placeholder=cand_default,
            help=f"The release to review. Default: the newest other release ({md(cand_default)}).",
        ) or cand_default
    bad = [(role, raw[role]) for role in (K_CURRENT, K_CANDIDATE) if raw[role] and raw[role] not in ids]
    if bad:
        role, value = bad[0]
        st.title("relcheck")
        st.error(
            f"Unknown release {code(value)} for {role} in the link. Releases in {code(store.home)}: "
            f"{md(', '.join(ids))}.\n\nPick one in the sidebar, or ingest it with `relcheck ingest FOLDER`."
        )
        return None

    sh_path = default_stakeholders()
    sh, sh_error = None, None
    try:
        sh = data.stakeholders(str(sh_path), data.stamp(sh_path))
    except (RelcheckError, OSError) as exc:
        sh_error = str(exc)

    c = Ctx(store, releases, current, candidate, "all", sh_path, sh, sh_error)
    options = ["all"]
    names = {"all": "All places"}
    if sh is not None:
        options += [f"customer:{x.id}" for x in sh.customers] + [f"deal:{x.id}" for x in sh.deals]
        names.update({f"customer:{x.id}": x.name for x in sh.customers})
        names.update({f"deal:{x.id}": x.prospect for x in sh.deals})
    _, c.pair_error = try_call(data.pair_window, store, c.key)
    values, error = try_call(_scope_options, store, c.key)
    if error:
        st.sidebar.error(md(error))
    options += values or []
    c.scope_options = options
    c.scope_names = names
    with st.sidebar:
        st.subheader("Scope")
        c.scope = st.selectbox(
            "Scope",
            options,
            index=0,
            key=K_SCOPE,
            bind="query-params",
            on_change=_scope_changed,
            help="The places you are looking at. It follows you: the Customers, Deals and Categories pages "
            "open on it, the Attribution page explains it, and picking one there sets it here.",
            label_visibility="collapsed",
        ) or "all"
        if c.scope != "all":
            st.caption(md(scope_name(c.scope, names)))
        c.causes = st.toggle(
            "Attribute failures to causes",
            value=False,
            key=K_CAUSES,
            bind="query-params",
            help="Name the source and pipeline component behind each failing criterion. Slow: it runs the "
            "comparisons of every ablation run.",
        )
        if kinds.get(current) == "ablation" or kinds.get(candidate) == "ablation":
            st.caption("An ablation run is selected: it rebuilds its base with some components swapped.")
        if sh is None:
            st.caption("Stakeholders file unreadable: see the Criteria page.")
    raw_scope = raw[K_SCOPE]
    if raw_scope and raw_scope not in options:
        st.warning(
            f"Unknown scope {code(raw_scope)} in the link for this release pair; showing all places instead. "
            "Scopes are written `all` or KIND:VALUE (customer:ID, deal:ID, category:NAME, region:NAME, "
            "brand:NAME, source:NAME, segment:NAME)."
        )
    if c.pair_error:
        st.sidebar.error(md(c.pair_error))
    st.session_state[_CTX] = c
    return c


def _seed_link(key: str, value: str) -> None:
    """Start a bound picker on ``value`` and write it into the link (the frontend writes a bound
    parameter only when the user changes it; the link must hold it from the first view)."""
    try:
        st.query_params[key] = value
    except Exception:  # noqa: BLE001 - StreamlitAPIException once bound in this session: the state carries it
        pass
    st.session_state[key] = value


def scope_name(scope: str, names: dict[str, str] | None = None) -> str:
    """A scope as people read it: ``Customer · FreshCo Inc.``, ``Category · Gyms``, ``All places``."""
    if scope == "all":
        return SCOPE_KIND_LABELS["all"]
    kind, _, value = scope.partition(":")
    name = (names or {}).get(scope, value)
    return f"{SCOPE_KIND_LABELS.get(kind, kind)} · {name}"


def _scope_changed() -> None:
    """The sidebar scope changed: the page-level picker of its kind follows (one scope across pages)."""
    kind, _, value = str(st.session_state.get(K_SCOPE) or "").partition(":")
    if kind in SCOPE_PICKERS and value:
        st.session_state[SCOPE_PICKERS[kind]] = value


def follow_scope(kind: str) -> Callable[[], None]:
    """An ``on_change`` for a page's scope picker (customer, deal, category): the sidebar scope follows it."""

    def changed() -> None:
        value = st.session_state.get(SCOPE_PICKERS[kind])
        if value:
            st.session_state[K_SCOPE] = f"{kind}:{value}"

    return changed


def shows_other_scope(c: Ctx, scope: str) -> None:
    """Say so when a page shows a scope other than the sidebar's (e.g. a link named another one)."""
    if c.scope != scope:
        st.caption(
            f"This page shows {md(c.scope_name(scope))}; the sidebar scope is {md(c.scope_name())}. "
            "Pick one here or there and the other follows."
        )


# ----------------------------------------------------------------------------------------- navigation
def request_open(page: str, scope: str | None, **params: str | None) -> None:
    """From a selection callback: the selected scope becomes the sidebar scope (it follows you; a callback
    runs before the sidebar is drawn, so it may set it). ``page`` and ``params`` are the link's."""
    if scope:
        st.session_state[K_SCOPE] = scope
        kind, _, value = scope.partition(":")
        if kind in SCOPE_PICKERS and value:
            st.session_state[SCOPE_PICKERS[kind]] = value


def open_link(target: RowTarget) -> None:
    """The second click: a link to the page a selected row or cell names, with the pair, the scope and the
    page's parameters in the URL. A real link, so the browser keeps one history entry and Back returns."""
    if target is None:
        return
    page, scope, params = target
    state = st.session_state
    c = state.get(_CTX)
    query = {k: state.get(k) for k in (K_CURRENT, K_CANDIDATE) if state.get(k)}
    query |= ({K_SCOPE: scope} if scope else {}) | params
    name = c.scope_name(scope) if c is not None and scope else (scope or "")
    metric = params.get("metric")
    what = f"{name} · {metric_label(metric)}" if metric else name
    st.page_link(
        PAGE_FILES[page], label=f"Explain {md(what)} on the {page.title()} page",
        query_params=query, icon=":material/arrow_forward:",
    )


def _current_or_first(store: Store, ids: list[str]) -> str:
    try:
        return store.current_id()
    except NotFoundError:
        return ids[0]


def _scope_options(store: Store, key: data.Key) -> list[str]:
    out = []
    for kind in ("category", "region", "brand", "source", "segment"):
        out += [f"{kind}:{v}" for v in data.scope_values(store, key, kind) if v]
    return out


def ctx() -> Ctx:
    """The context the sidebar resolved in this run (pages are run by ``dashboard/app.py``)."""
    c = st.session_state.get(_CTX)
    if c is None:
        stop_error("Open the dashboard through its entry point: `relcheck serve` (or `make run`).")
    return c


def page_header(title: str, c: Ctx, caption: str | None = None) -> None:
    """Title and the pair; ``caption`` is Markdown (escape what it quotes)."""
    st.title(title)
    bits = [f"current **{md(c.current)}** → candidate **{md(c.candidate)}**"]
    if caption:
        bits.append(caption)
    st.caption(" · ".join(bits))


# ----------------------------------------------------------------------------------------- formatting
def status_text(status: str | None) -> str:
    """A status as a table cell shows it (tables colour the cell, see :func:`table`)."""
    return str(status) if status else ""


def _status_style(value: Any) -> str:
    color = statuses.color(str(value))
    return f"background-color: {color}33; color: {color}; font-weight: 600" if color else ""


def verdict_banner(gate: GateResult, what: str = "") -> None:
    counts = " · ".join(f"{s} {n}" for s, n in gate.counts.items() if n)
    text = f"**Verdict: {gate.verdict.upper()}**{md(what)} — {md(counts)}"
    if gate.verdict == "pass":
        st.success(text, icon=":material/check_circle:")
    else:
        st.error(text, icon=":material/block:")


def metric_columns(names: Sequence[str]) -> dict[str, Any]:
    """Column config giving each metric column its readable label (unit once), its help text and one
    number format (signed for changes)."""
    return {
        n: st.column_config.NumberColumn(
            metric_label(n), help=help_text(n), format=formatting.column_format(n)
        )
        for n in names
        if n in METRICS and METRICS[n].judgeable
    }


def trial_style(value: Any) -> str:
    """Deals in trial stand out: a prospect is evaluating these numbers right now."""
    return "background-color: #7950f233; color: #5f3dc4; font-weight: 700" if value == "trial" else ""


#: Where a selected row takes you: (page, scope, extra query parameters), or None to stay.
RowTarget = tuple[str, str, dict[str, str]] | None

SELECT_HINT = "Select a row, then follow its link to the explanation on the Attribution page."


def styled_cells_limit() -> int:
    """The most cells pandas' Styler renders (its ``styler.render.max_elements``); beyond it, it raises."""
    return int(pd.get_option("styler.render.max_elements"))


def table(
    df: pd.DataFrame,
    name: str,
    column_config: dict[str, Any] | None = None,
    styles: dict[str, Callable[[Any], str]] | None = None,
    on_row: Callable[[pd.Series], RowTarget] | None = None,
    **kwargs: Any,
) -> None:
    """A table with its CSV download (every table can be downloaded); status cells coloured.

    ``on_row``: rows are selectable and a selected row opens the page it names (see :func:`request_open`).
    """
    config = dict(column_config or {})
    for col in df.columns:
        if col in config:
            continue
        if pd.api.types.is_datetime64_any_dtype(df[col]):
            config[col] = st.column_config.DateColumn(str(col), format="YYYY-MM-DD")
        elif _is_visit_count(str(col)) and pd.api.types.is_float_dtype(df[col]):
            # Thousands separators for visit counts (floats: estimates); the CSV keeps every digit.
            signed = "+" if str(col) == "delta" or str(col).endswith("delta") else ""
            config[col] = st.column_config.NumberColumn(str(col), format=f"%{signed},.0f")
    shown: Any = df
    cell_styles = {col: _status_style for col in ("status", "verdict") if col in df.columns}
    cell_styles.update({col: fn for col, fn in (styles or {}).items() if col in df.columns})
    if cell_styles and not df.empty:
        if df.size <= styled_cells_limit():
            shown = df.style
            for col, fn in cell_styles.items():
                shown = shown.map(fn, subset=[col])
        else:  # pandas' Styler refuses it: a big release's scope lists tens of thousands of places
            st.caption(f"{len(df):,} rows: shown without cell colours (pandas styles at most "
                       f"{styled_cells_limit():,} cells).")
    if on_row is not None and not df.empty:
        key = f"tbl_{name}"

        def picked() -> None:
            event = st.session_state.get(key)
            rows = list(event["selection"]["rows"]) if event else []
            target = on_row(df.iloc[rows[0]]) if rows else None
            if target is not None:
                page, scope, params = target
                request_open(page, scope, **params)

        event = st.dataframe(
            shown, hide_index=True, column_config=config or None, width="stretch", key=key,
            on_select=picked, selection_mode="single-row", **kwargs,
        )
        rows = [i for i in (event["selection"]["rows"] if event else []) if 0 <= i < len(df)]
        if rows:
            open_link(on_row(df.iloc[rows[0]]))
    else:
        st.dataframe(shown, hide_index=True, column_config=config or None, width="stretch", **kwargs)
    st.download_button(
        "Download CSV",
        data=df.to_csv(index=False).encode("utf-8"),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"dl_{name}",
        on_click="ignore",
        icon=":material/download:",
    )


def explain_row(scope_col: str = "scope", metric_of: Callable[[str], str | None] | None = None,
                metric_col: str | None = None) -> Callable[[pd.Series], RowTarget]:
    """A row's target: the Attribution page on the row's scope, with its criterion's metric selected
    (``metric_col`` of the row, else ``metric_of(scope)``)."""

    def target(row: pd.Series) -> RowTarget:
        scope = row.get(scope_col)
        if not isinstance(scope, str) or not scope:
            return None
        metric = row.get(metric_col) if metric_col else (metric_of(scope) if metric_of else None)
        params = {"metric": metric} if isinstance(metric, str) and metric in METRICS else {}
        return ("attribution", scope, params)

    return target


def _is_visit_count(col: str) -> bool:
    return col.startswith(("visits", "raw_visits")) or col.endswith("_visits") or col == "delta"


def plot(fig: Any, key: str) -> None:
    st.plotly_chart(fig, key=key, config={"displaylogo": False})


def vega(chart: Any, key: str, stretch: bool = False) -> None:
    """An Altair chart; ``stretch`` fills the column, else the chart keeps its own (step-based) size."""
    st.altair_chart(chart, key=key, width="stretch" if stretch else "content")


def vega_select(chart: Any, key: str, param: str, on_point: Callable[[dict[str, Any]], RowTarget]) -> None:
    """An Altair chart whose point selection ``param`` opens the page ``on_point`` names for the clicked point."""

    def picked() -> None:
        event = st.session_state.get(key)
        points = list(event["selection"].get(param) or []) if event else []
        target = on_point(dict(points[0])) if points else None
        if target is not None:
            page, scope, params = target
            request_open(page, scope, **params)

    event = st.altair_chart(chart, key=key, width="stretch", on_select=picked, selection_mode=param)
    points = list(event["selection"].get(param) or []) if event else []
    if points:
        open_link(on_point(dict(points[0])))


TILES_PER_ROW = 4  # five labels to a row are cut at 1,280 px


def metric_tiles(values: dict[str, Any], names: Sequence[str]) -> None:
    """Metric tiles, four to a row; the label without its unit (the value shows it), help on the icon."""
    for start in range(0, len(names), TILES_PER_ROW):
        row = names[start : start + TILES_PER_ROW]
        cols = st.columns(TILES_PER_ROW)
        for col, name in zip(cols, row, strict=False):
            col.metric(short_label(name), formatting.metric_value(name, values.get(name)), help=help_text(name))


def result_frame(results: Sequence[Any], with_scope: bool = True) -> pd.DataFrame:
    """Criterion results as a table a product manager reads: the metric's label, the value in its metric's
    format with its unit, the bound in words; ids (scope, metric) last, for links and the CSV."""
    rows = [
        {
            "status": status_text(r.status),
            "criterion": r.criterion,
            **({"stakeholder": r.scope_name or r.scope} if with_scope else {}),
            "measure": metric_label(r.metric),
            "value": formatting.metric_value(r.metric, r.value),
            "bound": formatting.bound_text(r.metric, r.op, r.threshold),
            "severity": r.severity,
            "waived_by": r.waiver.by if r.waiver else "",
            "waiver_reason": r.waiver.reason if r.waiver else "",
            "waiver_expires": (r.waiver.expires or "") if r.waiver else "",
            "cause": r.cause.summary if r.cause else (r.note or ""),
            "scope": r.scope,
            "metric": r.metric,
        }
        for r in results
    ]
    cols = ["status", "criterion", *(["stakeholder"] if with_scope else []), "measure", "value", "bound",
            "severity", "waived_by", "waiver_reason", "waiver_expires", "cause", "scope", "metric"]
    return pd.DataFrame(rows, columns=cols)


#: Names first, ids small and last, in ranked tables.
NAME_COLUMNS: dict[str, Any] = {
    "scope_name": "name",
    "scope": st.column_config.TextColumn("scope id", width="small"),
}

#: How :func:`result_frame` columns show: ids small and last.
RESULT_COLUMNS: dict[str, Any] = {
    "waived_by": "signed off by",
    "waiver_reason": "sign-off reason",
    "waiver_expires": "sign-off expires",
    "scope": st.column_config.TextColumn("scope id", width="small"),
    "metric": st.column_config.TextColumn("metric id", width="small"),
}


def comparison_frame(scopes: Sequence[ScopeMetrics], status_of: dict[str, str] | None = None) -> pd.DataFrame:
    """Scopes' metrics as a frame, in the order given (scope_id kept as the scope string), with gate status."""
    rows = []
    for s in scopes:
        row = s.to_row()
        row["scope"] = s.scope.scope_id
        ci = row.pop("level_change_ci95_pct", None)
        row["level_change_ci95_pct"] = (
            f"[{ci[0]:+.2f}, {ci[1]:+.2f}]" if isinstance(ci, list | tuple) and len(ci) == 2 else None
        )
        rows.append(row)
    df = pd.DataFrame(rows)
    if status_of is not None and not df.empty:
        df.insert(0, "status", [status_text(status_of.get(s)) for s in df["scope"]])
    return df


def pick(
    label: str,
    options: Sequence[str],
    key: str,
    default: str | None = None,
    help: str | None = None,
    on_change: Callable[[], None] | None = None,
) -> str | None:
    """A page-level selectbox bound to the URL (the key is the query parameter).

    No ``format_func`` on purpose: a bound selectbox writes the formatted option into the link, and links
    carry ids (``customer=freshco``), not display names.
    """
    if not options:
        return None
    index = list(options).index(default) if default in options else 0
    kwargs: dict[str, Any] = {}
    if on_change is not None:
        kwargs["on_change"] = on_change
    return st.selectbox(label, list(options), index=index, key=key, bind="query-params", help=help, **kwargs)
