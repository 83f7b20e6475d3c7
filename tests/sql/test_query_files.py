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

from dashboard.engine.scopes import defs_table
from dashboard.sql import files as queries
from dashboard.store.catalog import Store
from dashboard.store.ingest import ingest_release

ROOT = Path(__file__).resolve().parents[2]
QUERY_DIR = ROOT / "queries"
SQL_FILES = sorted(QUERY_DIR.glob("*.sql"))
NAMES = [p.stem for p in SQL_FILES]

# A typed dummy value for every parameter name used by some query.
DUMMY_PARAMS: dict[str, object] = {
    "max_len": 1000,
    "limit": 5,
    "rule": "place_id_empty",
    "attribute": "category",
    "start": dt.date(2026, 1, 1),
    "end": dt.date(2026, 1, 31),
    "small_pct": 1.0,
    "scope_id": "all",
    "scope_ids": ["all"],
    # chaos: relations passed by name to query_table(), and the scenario's knobs
    "input": "visits_in",
    "places": "places_in",
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
}

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
                  "sub_category VARCHAR, parent_place_id VARCHAR, latitude VARCHAR, longitude VARCHAR",
    "visits_flags": ("query", "contract_visits_flags"),
    "places_flags": ("query", "contract_places_flags"),
    "places_typed": ("query", "ingest_places_out"),
    # a stored release, registered per side (store.register_release) and side-neutral (PairSession.alias)
    **{f"visits_{s}": STORED_VISITS for s in ("a", "b", "x")},
    **{f"places_{s}": STORED_PLACES for s in ("a", "b", "x")},
    **{f"daily_{s}": STORED_DAILY for s in ("a", "b", "x")},
    # comparison session (dashboard/comparison.py)
    "scope_defs": ("arrow", "scope_defs"),
    "scopes": "scope_id VARCHAR",
    **{f"members_{s}": ("query", "scope_members_defined") for s in ("a", "b", "x")},
    **{f"place_totals_{s}": ("query", "agg_place_totals") for s in ("a", "b", "x")},
    **{f"source_totals_{s}": ("query", "agg_source_totals") for s in ("a", "b", "x")},
    **{f"sd_{s}": ("query", "agg_scope_date_places") for s in ("a", "b")},
    **{f"sp_{s}": ("query", "agg_scope_place_places") for s in ("a", "b")},
    "daily_series": ("query", "series_daily"),
    "weekly_series": ("query", "series_weekly"),
    # chaos: what query_table($input) / query_table($places) name (see DUMMY_PARAMS)
    "visits_in": STORED_VISITS,
    "places_in": STORED_PLACES,
    # patterns import (dashboard/store/patterns*.py): the files' rows as text, then parsed, then one row per day
    "pat_rows": "file VARCHAR, place_key VARCHAR, date_range_start VARCHAR, visits_by_day VARCHAR, "
                "date_range_end VARCHAR, raw_visit_counts VARCHAR, location_name VARCHAR, brands VARCHAR, "
                "top_category VARCHAR, sub_category VARCHAR, region VARCHAR, city VARCHAR, latitude VARCHAR, "
                "longitude VARCHAR, parent_placekey VARCHAR, absent VARCHAR[], row BIGINT",
    "pat_parsed": ("query", "patterns_rows"),
    "pat_examples": ("query", "patterns_rows"),
    "pat_long": ("query", "patterns_long"),
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
    return [r.strip() for r in text.split(",") if r.strip()]


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
        files = {"visits": rel.visits_path, "places": rel.places_path, "place_daily": rel.place_daily_path}
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
    elif spec[0] == "arrow":
        assert spec[1] == "scope_defs"
        con.register("t", defs_table([]))
        rel = con.table("t")
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
    assert reads(sql), f"{name}.sql: '-- reads:' names no relation"
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
    # And through the loader, which refuses the wrong parameter names.
    assert isinstance(queries.run(con, name, **params).fetchall(), list)
    if params:
        with pytest.raises(TypeError, match="do not match its header"):
            queries.run(con, name)
    with pytest.raises(TypeError, match="do not match its header"):
        queries.run(con, name, **params, bogus=1)


def test_the_checker_catches_drift() -> None:
    sql = "-- x\n-- params: a\n-- reads: t\nSELECT $a, $b, '$c' FROM t -- $d\n"
    assert queries.used_params(sql) == {"a", "b"}
    assert queries.declared_params(sql) == {"a"}
    assert queries.declared_params("-- params: none\nSELECT 1") == frozenset()
    assert reads("-- x\n-- reads: a (from q), b (c, d), e\nSELECT 1") == ["a", "b", "e"]
    assert reads("-- x\n-- reads: query_table($input) (visits),\n--    query_table($places) (p)\n-- note\nSELECT 1") \
        == ["visits_in", "places_in"]


# -------------------------------------------------------------------- callers

QUERY_FUNCTIONS = {"run": 1, "relation": 1, "load": 0}  # queries.<fn>: index of the name argument
WRAPPERS = {"materialise": (1, {"append"})}  # PairSession.materialise(table, query, append=..., **params)


def scan(source: str, where: str) -> list[dict[str, Any]]:
    """Calls of stored queries in one module: the name (if literal) and the keyword names."""
    calls = []
    for node in ast.walk(ast.parse(source, filename=where)):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        fn = node.func
        if isinstance(fn.value, ast.Name) and fn.value.id == "queries" and fn.attr in QUERY_FUNCTIONS:
            index, ignored = QUERY_FUNCTIONS[fn.attr], set()
        elif fn.attr in WRAPPERS:
            index, ignored = WRAPPERS[fn.attr]
        else:
            continue
        arg = node.args[index] if len(node.args) > index else None
        calls.append({
            "where": f"{where}:{node.lineno}",
            "fn": fn.attr,
            "name": arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None,
            "keywords": {k.arg for k in node.keywords if k.arg is not None} - ignored,
            "unpacked": any(k.arg is None for k in node.keywords),
        })
    return calls


def mismatches(calls: list[dict[str, Any]]) -> list[str]:
    """Calls naming a query file that does not exist, or passing other parameters than its header's."""
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
    return problems


def dashboard_calls() -> list[dict[str, Any]]:
    calls = []
    for path in sorted((ROOT / "dashboard").rglob("*.py")):
        calls += scan(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    return calls


def test_callers_pass_the_header_params() -> None:
    calls = dashboard_calls()
    # The scanner does find the ingest path's calls.
    seen = {(c["name"], frozenset(c["keywords"])) for c in calls}
    assert ("contract_visits_duplicates", frozenset({"limit"})) in seen
    assert ("contract_places_flags", frozenset({"max_len"})) in seen
    assert ("ingest_place_daily", frozenset()) in seen
    problems = mismatches(calls)
    assert not problems, "\n".join(problems)


def test_the_caller_check_catches_drift() -> None:
    code = """
from dashboard.sql import files as queries
queries.run(cur, "contract_visits_duplicates", limit=5)
queries.run(cur, "contract_visits_duplicates", lim=5)
queries.relation(cur, "contract_visits_flags")
queries.run(cur, "no_such_query")
session.materialise("t", "agg_place_totals", append=True, **window)
session.materialise("t", "agg_place_totals", append=True, start=1)
session.materialise("t", "agg_place_totals", append=True, start=1, stop=2)
queries.run(cur, name, whatever=1)
"""
    calls = scan(code, "x.py")
    assert len(calls) == 8
    assert mismatches(calls) == [
        "x.py:4: contract_visits_duplicates gets ['lim'], header has ['limit']",
        "x.py:5: contract_visits_flags gets [], header has ['max_len']",
        "x.py:6: no query file no_such_query.sql",
        "x.py:8: agg_place_totals gets ['start'], header has ['end', 'start']",
        "x.py:9: agg_place_totals gets ['start', 'stop'], header has ['end', 'start']",
    ]


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
