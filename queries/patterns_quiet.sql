-- Quiet: this session's long queries report through the import's progress, not DuckDB's own bar on stdout.
-- params: none
-- reads: none
SET SESSION enable_progress_bar_print = false
