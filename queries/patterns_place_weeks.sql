-- One pass over each place's weekly rows in date order: rows whose days overlap an earlier row's (the same
-- week delivered twice, Sunday and Monday weeks mixed), and holes between a place's first and last day.
-- Counted on the weekly rows, so the common case (no overlap) needs no per-day grouping.
-- params: limit
-- reads: pat_parsed (from patterns_parsed)
WITH w AS (
    SELECT place_key, week_start AS s, week_start + CAST(len(counts) AS INTEGER) AS e FROM pat_parsed
), c AS (
    SELECT place_key, s,
        max(e) OVER (PARTITION BY place_key ORDER BY s, e ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS covered_to
    FROM w
)
SELECT
    count(*) FILTER (WHERE s < covered_to) AS overlapping_rows,
    count(DISTINCT place_key) FILTER (WHERE s > covered_to) AS gap_places,
    list(place_key || ' (' || CAST(date_diff('day', covered_to, s) AS VARCHAR) || ' days missing from '
        || CAST(covered_to AS VARCHAR) || ')' ORDER BY place_key, s) FILTER (WHERE s > covered_to)[1:$limit] AS gap_examples
FROM c
