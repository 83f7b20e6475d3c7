-- Weekly rows of a place whose days overlap an earlier row's (the same week delivered twice, Sunday and Monday
-- weeks mixed): counted on the weekly rows, so the common case needs no per-day grouping.
-- params: none
-- reads: pat_parsed (from patterns_rows)
WITH w AS (
    SELECT place_key, week_start, week_start + CAST(len(counts) AS INTEGER) AS week_end FROM pat_parsed
), o AS (
    SELECT week_start < max(week_end) OVER (
        PARTITION BY place_key ORDER BY week_start, week_end ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
    ) AS is_overlap
    FROM w
)
SELECT count(*) FILTER (WHERE is_overlap) AS rows FROM o
