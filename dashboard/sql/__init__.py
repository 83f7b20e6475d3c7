"""The SQL seam (DESIGN section 10): query files and the one engine that runs them.

files (load ``queries/*.sql`` and read their headers) · engine (the ``Engine`` protocol a second engine
implements, and the DuckDB-only features in one list) · duckdb_engine (the only module that imports duckdb).
"""
