-- Runs of days between the first and last imported day that no weekly row covers, for any place.
-- params: none
-- reads: pat_parsed (from patterns_parsed)
WITH w AS (
    SELECT DISTINCT week_start AS s, week_start + CAST(len(counts) AS INTEGER) AS e FROM pat_parsed
), c AS (
    SELECT s, e, max(e) OVER (ORDER BY s, e ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS covered_to FROM w
)
SELECT covered_to AS gap_start, s - 1 AS gap_end, date_diff('day', covered_to, s) AS days
FROM c
WHERE s > covered_to
ORDER BY gap_start
