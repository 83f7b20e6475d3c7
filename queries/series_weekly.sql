-- Weekly totals per scope for ISO weeks (Monday start) lying wholly inside the window, with growth in %.
-- params: start, end
-- reads: daily_series (from series_daily)
WITH w AS (
    SELECT scope_id, CAST(date_trunc('week', date) AS DATE) AS week,
           sum(current ORDER BY date) AS current, sum(candidate ORDER BY date) AS candidate
    FROM daily_series
    GROUP BY scope_id, CAST(date_trunc('week', date) AS DATE)
    HAVING CAST(date_trunc('week', date) AS DATE) >= CAST($start AS DATE)
       AND CAST(date_trunc('week', date) AS DATE) + INTERVAL 6 DAY <= CAST($end AS DATE)
),
g AS (
    SELECT scope_id, week, current, candidate,
           lag(week) OVER (PARTITION BY scope_id ORDER BY week) AS prev_week,
           lag(current) OVER (PARTITION BY scope_id ORDER BY week) AS prev_current,
           lag(candidate) OVER (PARTITION BY scope_id ORDER BY week) AS prev_candidate
    FROM w
)
SELECT scope_id, week, current, candidate,
       CASE WHEN prev_week = week - INTERVAL 7 DAY AND prev_current > 0 AND prev_candidate > 0
            THEN 100 * (current / prev_current - 1) END AS growth_current,
       CASE WHEN prev_week = week - INTERVAL 7 DAY AND prev_current > 0 AND prev_candidate > 0
            THEN 100 * (candidate / prev_candidate - 1) END AS growth_candidate
FROM g
ORDER BY scope_id, week
