-- Places with days missing between their own first and last day, counted, with the first few.
-- params: limit
-- reads: pat_long (from patterns_long)
WITH p AS (
    SELECT place_id, min(date) AS first_date, max(date) AS last_date, count(DISTINCT date) AS days
    FROM pat_long
    GROUP BY place_id
)
SELECT count(*) AS places,
    list(place_id || ' (' || CAST(date_diff('day', first_date, last_date) + 1 - days AS VARCHAR) || ' days missing)'
        ORDER BY place_id)[1:$limit] AS examples
FROM p
WHERE days < date_diff('day', first_date, last_date) + 1
