-- The exploded days: how many, how many repeat a place and day (overlapping weeks), how many of those disagree.
-- params: none
-- reads: pat_long (from patterns_long)
WITH g AS (
    SELECT place_id, date, count(*) AS n,
        (min(visits) <> max(visits) OR min(raw_visits) <> max(raw_visits)
            OR count(raw_visits) NOT IN (0, count(*))) AS conflict
    FROM pat_long
    GROUP BY place_id, date
)
SELECT
    count(*) AS days,
    sum(n) AS rows,
    sum(n - 1) AS repeated_rows,
    count(*) FILTER (WHERE conflict) AS conflicts,
    count(DISTINCT place_id) AS places,
    min(date) AS first_date,
    max(date) AS last_date
FROM g
