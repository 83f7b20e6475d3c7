-- Daily totals of both releases per scope over every day of the window (a day without rows is 0).
-- params: start, end
-- reads: scopes, sd_a, sd_b
-- The days come from unnest(generate_series(...)) in a SELECT (portable: Spark's explode(sequence(...))).
WITH days AS (
    SELECT CAST(d AS DATE) AS date
    FROM (SELECT unnest(generate_series(CAST($start AS DATE), CAST($end AS DATE), INTERVAL 1 DAY)) AS d) AS t
)
SELECT s.scope_id, days.date,
       COALESCE(a.visits, 0) AS current,
       COALESCE(b.visits, 0) AS candidate
FROM scopes AS s
CROSS JOIN days
LEFT JOIN sd_a AS a ON a.scope_id = s.scope_id AND a.date = days.date
LEFT JOIN sd_b AS b ON b.scope_id = s.scope_id AND b.date = days.date
ORDER BY s.scope_id, days.date
