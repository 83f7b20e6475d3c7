-- The contract's visits straight from the exploded days, when no two weekly rows of a place overlap
-- (in place and date order, as patterns_long gives them: the same files give the same snapshot).
-- params: source
-- reads: pat_long (from patterns_long)
SELECT place_id, date, CAST($source AS VARCHAR) AS source, visits, raw_visits
FROM pat_long
