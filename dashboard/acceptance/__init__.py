"""Release acceptance (DESIGN section 7): statuses, criteria, the pure gate, sign-offs, the gate log, history.

The gate judges and writes nothing; :mod:`~dashboard.acceptance.service` is the one place that reads the
sign-off log, runs the gate and records the run, so a dashboard page can evaluate without writing.
"""
