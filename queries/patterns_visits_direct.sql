-- The contract's visits straight from the exploded days, when no two weekly rows of a place overlap.
-- params: source
-- reads: pat_long (from patterns_long)
SELECT place_id, date, CAST($source AS VARCHAR) AS source, visits, raw_visits
FROM pat_long
ORDER BY place_id, date
