"""The store (DESIGN sections 3 and 10): the catalog, Parquet snapshots per release, append-only logs, ingest.

catalog (``Store``: releases, current/candidate, logs) · contract (a delivered snapshot checked in SQL) ·
ingest (validate, write aside, publish atomically) · patterns* (the weekly patterns vendor layout, imported
through the same ingest).
"""
