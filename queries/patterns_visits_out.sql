-- The contract's visits from the exploded days: one row per place and day, a repeated identical day kept once.
-- params: source
-- reads: pat_long (from patterns_long, after patterns_conflicts found no disagreement)
SELECT place_id, date, CAST($source AS VARCHAR) AS source, any_value(visits) AS visits,
    any_value(raw_visits) AS raw_visits
FROM pat_long
GROUP BY place_id, date
ORDER BY place_id, date
