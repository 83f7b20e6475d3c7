-- The parsed weekly rows kept for the import's later steps: without the delivered text of the parsed columns
-- (only the messages show it, from patterns_rows over one file) and the row numbers, so the stage is smaller.
-- params: none
-- reads: pat_all (from patterns_rows)
SELECT * EXCLUDE (date_range_start, date_range_end, visits_by_day, raw_visit_counts_text, brands, "row")
FROM pat_all
