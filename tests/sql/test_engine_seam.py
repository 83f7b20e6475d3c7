"""The engine seam: one module of dashboard/ imports duckdb, the store loads no heavy library at import, and
the engine refuses a call whose inputs differ from the query's header."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.sql import duckdb_engine
from dashboard.sql.engine import DIALECT_FEATURES, Engine

ROOT = Path(__file__).resolve().parents[2]


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_only_the_duckdb_engine_imports_duckdb() -> None:
    found = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "dashboard").rglob("*.py") if "duckdb" in imports_of(p))
    # chaos is being split by another change; its annotations still name duckdb (remove this line with that).
    found = [f for f in found if not f.startswith("dashboard/chaos/")]
    assert found == ["dashboard/sql/duckdb_engine.py"]


@pytest.mark.parametrize("module", ["dashboard.store.catalog", "dashboard.store.ingest", "dashboard.engine.session",
                                    "dashboard.sql.engine"])
def test_importing_the_store_loads_no_heavy_library(module: str) -> None:
    probe = (f"import sys, {module}; "
             "print(','.join(sorted(m for m in ('duckdb', 'pandas', 'pyarrow', 'numpy') if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == ""


def test_the_engine_implements_the_protocol_and_refuses_other_inputs() -> None:
    eng = duckdb_engine.connect()
    protocol: Engine = eng  # the DuckDB engine is an Engine (a type checker holds it to the protocol)
    assert all(callable(getattr(protocol, m)) for m in ("run", "relation", "materialise", "register", "drop"))
    with eng:
        eng.register("sp_a", eng.con.sql("SELECT 'all' AS scope_id, 'Acme' AS brand, 1.0 AS visits"))
        eng.register("sp_b", eng.table("sp_a"))
        rows = eng.run("attr_brand_mix", inputs={"sp_a": "sp_a", "sp_b": "sp_b"}, scope_id="all").dicts()
        assert rows and rows[0]["brand"] == "Acme"
        with pytest.raises(TypeError, match=r"inputs \['sp_a'\] do not match its header's reads \['sp_a', 'sp_b'\]"):
            eng.run("attr_brand_mix", inputs={"sp_a": "sp_a"}, scope_id="all")
        # A side-neutral name is bound at the call, to the relation the call names, and only then.
        eng.register("places_a", eng.con.sql("SELECT 'p1' AS place_id, 'One' AS name"))
        eng.register("places_b", eng.con.sql("SELECT 'p2' AS place_id, 'Two' AS name"))
        assert eng.run("scope_places_in_range", inputs={"places_in": "places_a"}, lo="", hi="").rows() == [("p1", "One")]
        assert eng.run("scope_places_in_range", inputs={"places_in": "places_b"}, lo="", hi="").rows() == [("p2", "Two")]


def test_the_dialect_list_names_the_duckdb_only_functions_the_queries_use() -> None:
    listed = " ".join(f for f, _, _ in DIALECT_FEATURES)
    sql = " ".join(p.read_text(encoding="utf-8") for p in (ROOT / "queries").glob("*.sql"))
    for feature in ("fsum", "query_table", "list_contains", "ENUM", "GROUPING SETS", "generate_series(", "hash(", "TRY_CAST"):
        assert feature in sql and feature in listed, feature
