"""What a memory or disk error says (issue 17): DuckDB words both "out of memory" and "spill folder full" as
an Out of Memory error; only the first is retried in halves, and each names the setting that changes it."""

from __future__ import annotations

from pathlib import Path

import duckdb

from dashboard.sql import budget

LIMIT = duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block of size 256.0 KiB "
                                    "(1.1 GiB/1.1 GiB used)")
SPILL_FULL = duckdb.OutOfMemoryException("Out of Memory Error: failed to offload data block of size 256.0 KiB "
                                         "(10.0 MiB/10.0 MiB used). This limit was set by the "
                                         "'max_temp_directory_size' setting.")


def test_the_memory_limit_is_out_of_memory_and_names_the_query() -> None:
    LIMIT.add_note(budget.QUERY_NOTE + "chaos_daily")
    assert budget.out_of_memory(LIMIT)
    message = str(budget.explain(LIMIT, budget.Budget(2 * 1024**3, Path("/tmp"))))
    assert message.startswith("out of memory in query chaos_daily: the budget of ")
    assert "RELCHECK_MEMORY" in message and "nothing was published" in message


def test_a_full_spill_folder_is_not_out_of_memory_but_out_of_disk() -> None:
    assert not budget.out_of_memory(SPILL_FULL)
    message = str(budget.explain(SPILL_FULL, budget.Budget(2 * 1024**3, Path("/tmp"))))
    assert message.startswith("out of disk for spilling: the spill folder under ")
    assert "RELCHECK_SPILL_DIR" in message


def test_other_errors_are_not_resource_errors() -> None:
    other = duckdb.BinderException("Binder Error: column x not found")
    assert not budget.out_of_memory(other) and budget.explain(other) is None
