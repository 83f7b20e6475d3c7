"""queries/*.sql (DESIGN section 10): one statement a file, a header naming params and reads, every query
binds against the relations it names, callers pass exactly the header's parameters, and the wheel carries them.
"""

from __future__ import annotations

import ast
import datetime as dt
import functools
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import duckdb
import pytest
from snapshots import daily_rows, write_snapshot

from dashboard.sql import files as queries
from dashboard.sql.duckdb_engine import DuckDBEngine
from dashboard.store.catalog import Store
from dashboard.store.ingest import ingest_release

ROOT = Path(__file__).resolve().parents[2]
QUERY_DIR = ROOT / "queries"
SQL_FILES = sorted(QUERY_DIR.glob("*.sql"))
NAMES = [p.stem for p in SQL_FILES]

# A typed dummy value for every parameter name used by some query.
DUMMY_PARAMS: dict[str, object] = {
    "max_len": 1000,
    "max_visits": 1e9, "first_date": dt.date(1990, 1, 1), "last_date": dt.date(2027, 12, 31),
    "limit": 5,
    "ranges": 3,  # place_range_bounds
    "step": 2,  # ingest: places per range of the daily rollup, and one range [lo, hi) of place ids
    "part": 0,  # ingest: the number of one part of places (ingest_part_source, ingest_part_daily)
    "lo": "p0", "hi": "p9",
    "rule": "place_id_empty",
    "attribute": "category",
    "start": dt.date(2026, 1, 1),
    "end": dt.date(2026, 1, 31),
    "small_pct": 1.0,
    "early_days": 28, "k": 4.0, "min_gap": 0.005, "run_days": 5,  # metrics_divergence
    "onset": dt.date(2026, 1, 8), "since": dt.date(2026, 1, 1),  # attr_onset_cells (with until)
    "scope_id": "all",
    "scope_ids": ["all"],
    "wanted": ["p1"],  # scope_places_present
    # scope_defs.sql: one scope, every list column empty
    "def_ids": ["all"], "def_modes": ["all"], "def_values": [None], "def_brands": [[]], "def_regions": [[]],
    "def_categories": [[]], "def_place_ids": [[]],
    # chaos: relations passed by name to query_table(), and the scenario's knobs
    "input": "chaos_visits",
    "places": "chaos_places",
    "source": "sdk_a",
    "regions": ["W"],
    "until": dt.date(2026, 1, 15),
    "seed": 7,
    "sigma": 0.1,
    "factor": 0.5,
    "days": 1,
    "category": "Grocery Stores",
    "brand": "",
    "file": "weekly.csv",  # patterns import
    # place_directory (the Explore picker)
    "brands": ["FreshCo"], "cities": ["Boston"], "independent": "(independent)", "no_city": "(no city)",
    "labels": ["FreshCo p1 — FreshCo, NE"], "ids": ["p1"],
}

#: Relations chaos queries read by a name passed as a parameter (query_table($p)): the dummy names.
RELATIONS_BY_PARAM = {"input": "chaos_visits", "places": "chaos_places"}

STORED_VISITS = ("stored", "visits")
STORED_PLACES = ("stored", "places")
STORED_DAILY = ("stored", "place_daily")

# Every relation a query may read, and how to get its columns:
#   "col TYPE, ..."       the columns themselves
#   ("stored", file)      the Parquet schema the store writes (from a real ingest)
#   ("query", name)       the output of that query (over its own reads, recursively)
#   ("arrow", table)      a pyarrow table the code registers
RELATIONS: dict[str, Any] = {
    # ingest: the snapshot as delivered (CSV is all text; absent optional columns are typed NULLs)
    "src_visits": "place_id VARCHAR, date VARCHAR, source VARCHAR, visits VARCHAR, raw_visits VARCHAR, "
                  "segment VARCHAR",
    "src_places": "place_id VARCHAR, name VARCHAR, brand VARCHAR, category VARCHAR, region VARCHAR, city VARCHAR, "
                  "sub_category VARCHAR, parent_place_id VARCHAR, latitude VARCHAR, longitude VARCHAR, other_brands VARCHAR",
    "visits_flags": ("query", "contract_visits_flags"),
    "visits_names": ("query", "contract_visits_names"),
    "place_numbers": ("query", "ingest_place_numbers"),
    "visits_part": ("query", "ingest_visits_split"),
    "visits_split": ("query", "ingest_visits_split"),
    "visits_triples": ("query", "contract_visits_triples"),
    "places_flags": ("query", "contract_places_flags"),
    "places_typed": ("query", "ingest_places_out"),
    # a stored release, registered per side (store.register_release); *_in: one side, bound at the call
    **{f"visits_{s}": STORED_VISITS for s in ("a", "b", "in")},
    **{f"places_{s}": STORED_PLACES for s in ("a", "b", "in")},
    **{f"daily_{s}": STORED_DAILY for s in ("a", "b", "in")},
    **{f"label_daily_{s}": ("stored", "label_daily") for s in ("a", "b", "in")},
    **{f"label_sums_{label}": ("query", "ingest_label_day_sums") for label in ("category", "region", "brand")},
    # comparison session (dashboard/comparison.py)
    "scope_defs": ("query", "scope_defs"),
    "scopes": "scope_id VARCHAR",
    **{f"place_members_{s}": ("query", "scope_members_defined") for s in ("a", "b", "in")},
    **{f"members_{s}": ("query", "scope_members_with_rows") for s in ("a", "b", "in")},
    **{f"place_totals_{s}": ("query", "agg_place_totals") for s in ("a", "b", "in")},
    **{f"source_totals_{s}": ("query", "agg_source_totals") for s in ("a", "b", "in")},
    **{f"sd_{s}": ("query", "agg_scope_date_places") for s in ("a", "b")},
    **{f"sp_{s}": ("query", "agg_scope_place_places") for s in ("a", "b")},
    "daily_series": ("query", "series_daily"),
    "weekly_series": ("query", "series_weekly"),
    "onset_cells": ("query", "attr_onset_cells"),
    # chaos: what query_table($input) / query_table($places) name (see DUMMY_PARAMS)
    "chaos_visits": STORED_VISITS,
    "chaos_places": STORED_PLACES,
    # patterns import (dashboard/store/patterns*.py): the files' rows as text, then parsed, then one row per day
    "pat_rows": "file VARCHAR, place_key VARCHAR, date_range_start VARCHAR, visits_by_day VARCHAR, "
                "date_range_end VARCHAR, raw_visit_counts VARCHAR, location_name VARCHAR, brands VARCHAR, "
                "top_category VARCHAR, sub_category VARCHAR, region VARCHAR, city VARCHAR, latitude VARCHAR, "
                "longitude VARCHAR, parent_placekey VARCHAR, absent VARCHAR[], row BIGINT",
    "pat_all": ("query", "patterns_rows"),
    "pat_parsed": ("query", "patterns_parsed"),
    "pat_examples": ("query", "patterns_rows"),
    "pat_long": ("query", "patterns_long"),
    "pat_places": ("query", "patterns_places"),
    "sample_visits": "place_id VARCHAR, date DATE, source VARCHAR, visits DOUBLE, raw_visits BIGINT, segment VARCHAR",
    "sample_places": STORED_PLACES,
}


def header(sql: str) -> list[str]:
    """The leading comment block."""
    lines = []
    for line in sql.splitlines():
        if not line.startswith("--"):
            break
        lines.append(line)
    return lines


def reads(sql: str) -> list[str]:
    """Relation names of the `-- reads:` line (and its indented continuation lines), without the notes.

    ``query_table($p)`` reads the relation whose name is passed as $p: here, p's dummy value.
    """
    head = header(sql)
    start = next(i for i, line in enumerate(head) if re.match(r"--\s*reads:", line))
    text = head[start].split(":", 1)[1]
    for line in head[start + 1:]:
        if not line.startswith("--  "):
            break
        text += line[2:]
    text = re.sub(r"query_table\(\$(\w+)\)", lambda m: str(DUMMY_PARAMS.get(m.group(1), m.group(0))), text)
    text = re.sub(r"\([^)]*\)", "", text)
    return [r.strip() for r in text.split(",") if r.strip() and r.strip() != "none"]


def dummy(name: str, param: str) -> object:
    if param not in DUMMY_PARAMS:
        pytest.fail(f"query {name} uses ${param}: add a typed dummy value for it to DUMMY_PARAMS in {__file__}")
    return DUMMY_PARAMS[param]


def sql_of(name: str) -> str:
    return (QUERY_DIR / f"{name}.sql").read_text(encoding="utf-8")


@functools.cache
def stored_schemas() -> dict[str, list[tuple[str, str]]]:
    """Ingest a tiny snapshot and read the column types of the files the store writes."""
    with tempfile.TemporaryDirectory(prefix="relcheck-schemas-") as tmp:
        folder = write_snapshot(Path(tmp) / "snap", "r1", daily_rows("p1", "2026-01-01", [1.0, 2.0], raw_visits=1),
                                [{"place_id": "p1", "brand": "B", "latitude": 1.0, "longitude": 2.0}])
        rel = ingest_release(Store(Path(tmp) / "store"), folder)
        files = {"visits": rel.visits_path, "places": rel.places_path, "place_daily": rel.place_daily_path,
                 "label_daily": rel.label_daily_path}
        return {key: [(r[0], r[1]) for r in duckdb.sql(f"DESCRIBE SELECT * FROM '{path}'").fetchall()]
                for key, path in files.items()}


def create_relation(con: duckdb.DuckDBPyConnection, relation: str, columns: list[tuple[str, str]]) -> None:
    defs = ", ".join(f'"{c}" {t}' for c, t in columns)
    con.execute(f'CREATE TABLE "{relation}" ({defs})')


@functools.cache
def schema(relation: str, _stack: tuple[str, ...] = ()) -> tuple[tuple[str, str], ...]:
    """The (column, type) list of one relation a query may read."""
    if relation not in RELATIONS:
        pytest.fail(f"a query reads '{relation}', which RELATIONS in {__file__} does not describe; add it")
    spec = RELATIONS[relation]
    con = duckdb.connect()
    if isinstance(spec, str):
        con.execute(f'CREATE TABLE "{relation}" ({spec})')
        rel = con.table(relation)
    elif spec[0] == "stored":
        return tuple(stored_schemas()[spec[1]])
    else:
        name = spec[1]
        assert name not in _stack, f"relations defined in a cycle: {_stack + (name,)}"
        sql = sql_of(name)
        for r in reads(sql):
            create_relation(con, r, list(schema(r, _stack + (name,))))
        params = {p: dummy(name, p) for p in queries.used_params(sql)}
        return tuple((r[0], r[1]) for r in con.execute(f"DESCRIBE {sql}", params or None).fetchall())
    return tuple(zip(rel.columns, (str(t) for t in rel.dtypes), strict=True))


def literal(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    return repr(value)


# ---------------------------------------------------------------------- files


def test_the_query_folder_is_found_and_full() -> None:
    assert queries.queries_dir().resolve() == QUERY_DIR.resolve()
    assert queries.all_names() == NAMES
    assert len(NAMES) >= 15


@pytest.mark.parametrize("name", NAMES)
def test_header(name: str) -> None:
    sql = sql_of(name)
    head = header(sql)
    assert head and not head[0].startswith("-- params") and not head[0].startswith("-- reads"), \
        f"{name}.sql: start with a comment saying what the query returns"
    assert sum(bool(re.match(r"--\s*params:", line)) for line in head) == 1, f"{name}.sql: one '-- params:' line"
    assert sum(bool(re.match(r"--\s*reads:", line)) for line in head) == 1, f"{name}.sql: one '-- reads:' line"
    assert reads(sql) or re.search(r"--\s*reads:\s*none\s*$", sql, re.M), f"{name}.sql: '-- reads:' names no relation"
    assert all(re.fullmatch(r"[a-z_][a-z0-9_]*", r) for r in reads(sql)), reads(sql)


@pytest.mark.parametrize("name", NAMES)
def test_one_statement(name: str) -> None:
    statements = duckdb.connect().extract_statements(sql_of(name))
    assert len(statements) == 1, f"{name}.sql holds {len(statements)} statements"


@pytest.mark.parametrize("name", NAMES)
def test_params_used_equal_declared(name: str) -> None:
    sql = sql_of(name)
    used, declared = queries.used_params(sql), queries.declared_params(sql)
    assert used == declared, f"{name}.sql: body uses {sorted(used)}, header declares {sorted(declared)}"
    assert queries.load(name).params == declared


@pytest.mark.parametrize("name", NAMES)
def test_reads_equal_the_relations_used(name: str) -> None:
    sql = sql_of(name)
    inlined = queries._PARAM.sub(lambda m: literal(dummy(name, m.group(1))), sql)
    used = duckdb.get_table_names(inlined) | set(re.findall(r"query_table\('(\w+)'\)", inlined))
    assert used == set(reads(sql)), f"{name}.sql: reads {sorted(used)}, header says {sorted(reads(sql))}"


@pytest.mark.parametrize("name", NAMES)
def test_binds_and_runs_on_empty_relations(name: str) -> None:
    """Only the header's relations exist, with their real columns; the query must bind and run."""
    sql = sql_of(name)
    con = duckdb.connect()
    for r in reads(sql):
        create_relation(con, r, list(schema(r)))
    params = {p: dummy(name, p) for p in queries.declared_params(sql)}
    try:
        rows = con.execute(sql, params or None).fetchall()
    except duckdb.Error as exc:
        pytest.fail(f"{name}.sql does not bind over {reads(sql)}: {exc}")
    assert isinstance(rows, list)
    # And through the engine, which refuses the wrong parameter or input names.
    engine = DuckDBEngine(con)
    inputs = {r: r for r in queries.load(name).reads}
    assert queries.load(name).reads == set(reads(sql)) - set(RELATIONS_BY_PARAM.values())
    assert isinstance(engine.run(name, inputs=inputs, **params).rows(), list)
    if params:
        with pytest.raises(TypeError, match="do not match its header"):
            engine.run(name, inputs=inputs)
    with pytest.raises(TypeError, match="do not match its header"):
        engine.run(name, inputs=inputs, **params, bogus=1)
    with pytest.raises(TypeError, match="inputs .* do not match its header's reads"):
        engine.run(name, inputs=inputs | {"bogus_in": "bogus"}, **params)
    if inputs:
        with pytest.raises(TypeError, match="inputs .* do not match its header's reads"):
            engine.run(name, inputs=dict(list(inputs.items())[1:]), **params)


def test_the_checker_catches_drift() -> None:
    sql = "-- x\n-- params: a\n-- reads: t\nSELECT $a, $b, '$c' FROM t -- $d\n"
    assert queries.used_params(sql) == {"a", "b"}
    assert queries.declared_params(sql) == {"a"}
    assert queries.declared_params("-- params: none\nSELECT 1") == frozenset()
    assert reads("-- x\n-- reads: a (from q), b (c, d), e\nSELECT 1") == ["a", "b", "e"]
    assert reads("-- x\n-- reads: query_table($input) (visits),\n--    query_table($places) (p)\n-- note\nSELECT 1") \
        == ["chaos_visits", "chaos_places"]


# -------------------------------------------------------------------- callers

QUERY_FUNCTIONS = {"load": 0}  # queries.<fn>: index of the name argument
ENGINE_METHODS = {"run": (0, set()), "relation": (0, set()), "materialise": (1, {"append"})}  # Engine.<fn>
NOT_CHECKED = object()  # inputs the scanner cannot resolve statically


def input_keys(node: ast.expr | None, names: dict[str, Any]) -> Any:
    """The header names an ``inputs=`` expression binds: dict literals, ``side_inputs(side, "visits", ...)``
    (``visits_in``...), ``a | b``, and names assigned one of those (in the function, else the modules)."""
    if node is None:
        return frozenset()
    if isinstance(node, ast.Dict) and all(isinstance(k, ast.Constant) for k in node.keys):
        return frozenset(k.value for k in node.keys)  # type: ignore[union-attr]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "side_inputs":
        return frozenset(f"{a.value}_in" for a in node.args[1:] if isinstance(a, ast.Constant))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        left, right = input_keys(node.left, names), input_keys(node.right, names)
        return NOT_CHECKED if NOT_CHECKED in (left, right) else left | right
    if isinstance(node, ast.Name) and node.id in names:
        return names[node.id]
    return NOT_CHECKED


def assigned(tree: ast.AST, names: dict[str, Any]) -> dict[str, Any]:
    """Names assigned an inputs expression directly in ``tree`` (a module or a function body)."""
    out = dict(names)
    body = tree.body if isinstance(tree, (ast.Module, ast.FunctionDef)) else []
    for stmt in ast.walk(ast.Module(body=body, type_ignores=[])):
        target = stmt.targets[0] if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 else (
            stmt.target if isinstance(stmt, ast.AnnAssign) else None)
        if isinstance(target, ast.Name) and stmt.value is not None:
            keys = input_keys(stmt.value, out)
            if keys is not NOT_CHECKED:
                out[target.id] = keys
    return out


def scan(source: str, where: str, known: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Calls of stored queries in one module: the name (if literal), the keyword names and the inputs bound."""
    tree = ast.parse(source, filename=where)
    module_names = assigned(tree, known or {})
    calls = []
    scopes = [tree] + [f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)]
    seen: set[int] = set()
    for scope in reversed(scopes):  # innermost functions first, so each call is read with its own names
        names = assigned(scope, module_names) if scope is not tree else module_names
        for node in ast.walk(scope):
            if id(node) in seen or not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            fn = node.func
            if isinstance(fn.value, ast.Name) and fn.value.id == "queries" and fn.attr in QUERY_FUNCTIONS:
                index, ignored, engine = QUERY_FUNCTIONS[fn.attr], set(), False
            elif fn.attr in ENGINE_METHODS:
                (index, ignored), engine = ENGINE_METHODS[fn.attr], True
            else:
                continue
            arg = node.args[index] if len(node.args) > index else None
            name = arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None
            if engine and name is None:
                continue  # not a stored query's call (e.g. a method of the same name)
            seen.add(id(node))
            inputs_kw = next((k.value for k in node.keywords if k.arg == "inputs"), None)
            calls.append({
                "where": f"{where}:{node.lineno}",
                "fn": fn.attr,
                "name": name,
                "keywords": {k.arg for k in node.keywords if k.arg is not None} - ignored - {"inputs"},
                "unpacked": any(k.arg is None for k in node.keywords),
                "inputs": input_keys(inputs_kw, names) if engine else NOT_CHECKED,
            })
    return sorted(calls, key=lambda c: int(c["where"].rsplit(":", 1)[1]))


def mismatches(calls: list[dict[str, Any]]) -> list[str]:
    """Calls naming a query file that does not exist, or passing other parameters or inputs than its header's."""
    problems = []
    for c in calls:
        if c["name"] is None:
            continue
        path = QUERY_DIR / f"{c['name']}.sql"
        if not path.is_file():
            problems.append(f"{c['where']}: no query file {path.name}")
            continue
        if c["fn"] == "load":
            continue
        declared = queries.declared_params(path.read_text(encoding="utf-8"))
        # With **kwargs the names are not known statically; the ones spelled out must still be declared.
        ok = c["keywords"] <= declared if c["unpacked"] else c["keywords"] == declared
        if not ok:
            problems.append(f"{c['where']}: {c['name']} gets {sorted(c['keywords'])}, header has {sorted(declared)}")
        reads_ = queries.declared_reads(path.read_text(encoding="utf-8"))
        if c["inputs"] is NOT_CHECKED:
            continue
        if c["inputs"] != reads_:
            problems.append(f"{c['where']}: {c['name']} binds {sorted(c['inputs'])}, header reads {sorted(reads_)}")
    return problems


def dashboard_calls() -> list[dict[str, Any]]:
    paths = sorted((ROOT / "dashboard").rglob("*.py"))
    known: dict[str, Any] = {}
    for path in paths:  # module-level inputs constants (SP, DEFS, FLAGS...) are importable everywhere
        known = assigned(ast.parse(path.read_text(encoding="utf-8")), known)
    calls = []
    for path in paths:
        calls += scan(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)), known)
    return calls


def test_callers_pass_the_header_params_and_inputs() -> None:
    calls = dashboard_calls()
    # The scanner does find the ingest path's and the session's calls, and resolves their inputs.
    seen = {(c["name"], frozenset(c["keywords"])) for c in calls}
    assert ("contract_visits_duplicates", frozenset({"limit"})) in seen
    assert ("contract_places_flags", frozenset({"max_len"})) in seen
    assert ("ingest_place_daily", frozenset()) in seen
    engine_calls = [c for c in calls if c["inputs"] is not NOT_CHECKED]
    assert {c["name"] for c in engine_calls} >= {"metrics_totals", "agg_place_totals", "attr_dimension_totals",
                                                   "contract_visits_flags", "ingest_coverage", "pair_window"}
    # Every call of the engine in dashboard/ binds inputs the scanner can read (no hidden bindings).
    unresolved = [c["where"] for c in calls if c["fn"] != "load" and c["inputs"] is NOT_CHECKED]
    assert not unresolved, unresolved
    problems = mismatches(calls)
    assert not problems, "\n".join(problems)


EXPECTED_DRIFT = [
    "x.py:5: contract_visits_duplicates gets ['lim'], header has ['limit']",
    "x.py:6: contract_visits_flags gets [], header has ['first_date', 'last_date', 'max_len', 'max_visits']",
    "x.py:6: contract_visits_flags binds ['visits_typed'], header reads ['src_visits']",
    "x.py:7: no query file no_such_query.sql",
    "x.py:8: agg_place_totals binds [], header reads ['daily_in', 'members_in']",
    "x.py:9: agg_place_totals gets ['start'], header has ['end', 'start']",
    "x.py:9: agg_place_totals binds ['daily_in'], header reads ['daily_in', 'members_in']",
    "x.py:10: agg_place_totals gets ['start', 'stop'], header has ['end', 'start']",
    "x.py:10: agg_place_totals binds [], header reads ['daily_in', 'members_in']",
    "x.py:11: contract_visits_duplicates binds ['places_in', 'visits_flags'], header reads ['visits_flags']",
    "x.py:12: metrics_totals binds ['sp_a', 'sp_b'], header reads ['scopes', 'sp_a', 'sp_b']",
]  # line 13 (a chaos view reading its input through query_table($input)) is right


def test_the_caller_check_catches_drift() -> None:
    code = """
from dashboard.sql import files as queries
F = {"visits_flags": "visits_flags"}
engine.run("contract_visits_duplicates", inputs=F, limit=5)
engine.run("contract_visits_duplicates", inputs=F, lim=5)
engine.relation("contract_visits_flags", inputs={"visits_typed": "t"})
queries.load("no_such_query")
session.materialise("t", "agg_place_totals", append=True, **window)
engine.materialise("t", "agg_place_totals", inputs=side_inputs("a", "daily"), append=True, start=1)
engine.materialise("t", "agg_place_totals", append=True, start=1, stop=2)
engine.run("contract_visits_duplicates", inputs=F | {"places_in": "places_a"}, limit=5)
engine.run("metrics_totals", inputs={"sp_a": "sp_a", "sp_b": "sp_b"})
engine.relation("chaos_daily", input="chaos_a_v0", lo="", hi="")
"""
    calls = scan(code, "x.py")
    assert len(calls) == 10
    assert mismatches(calls) == EXPECTED_DRIFT


# ---------------------------------------------------------------------- wheel


def test_the_wheel_carries_the_queries(tmp_path: Path) -> None:
    out = tmp_path / "wheel"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=120,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    (wheel,) = out.glob("relcheck-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        packed = {n for n in zf.namelist() if n.startswith("dashboard/queries/") and n.endswith(".sql")}
        assert packed == {f"dashboard/queries/{p.name}" for p in SQL_FILES}
        for p in SQL_FILES:
            assert zf.read(f"dashboard/queries/{p.name}") == p.read_bytes()
        zf.extractall(tmp_path / "site")

    # Installed from the wheel (and run from elsewhere), the loader finds the packaged queries.
    probe = (
        "import dashboard, dashboard.sql.files as q; "
        "print(dashboard.__file__); print(q.queries_dir()); print(','.join(q.all_names()))"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path,
                         env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"}, timeout=60)
    assert run.returncode == 0, run.stderr
    module_file, qdir, names = run.stdout.splitlines()
    assert module_file.startswith(str(tmp_path / "site"))
    assert Path(qdir) == tmp_path / "site" / "dashboard" / "queries"
    assert names.split(",") == NAMES
