"""The comparison engine: scopes, a session holding two releases, and the consistency metrics (DESIGN section 5).

scopes (scope strings and their definitions) · session (``PairSession``: two releases, their common window,
per-scope aggregates) · metrics (``compare_releases``, the entry point of `relcheck compare`).
"""
