-- Per scope: the first day from which candidate and current diverge beyond their usual day-to-day difference.
-- params: start, days, early_days, k, min_gap, run_days
-- reads: daily_series (from series_daily)
-- The rule (README "Divergence onset"; dashboard/engine/divergence.py names the constants):
-- - each day's relative difference rel = 2·(candidate − current) / (candidate + current) (0 when both are 0):
--   about (candidate − current) / current for small differences, defined for a place that exists in one
--   release only, and bounded (±2);
-- - the usual difference: over the first early_days days of the window (at most its first half, at least
--   7 days, else no onset), base = median(rel) and spread = 1.4826 · median(|rel − base|) (the MAD, scaled
--   to a standard deviation for normal noise);
-- - a day is beyond when |rel − base| > threshold = max(k · spread, min_gap), on its side (above or below);
-- - the onset is the first beyond day from which at least run_days of the 7 days starting with it (all
--   inside the window: days is its length) are beyond on the same side.
-- A difference present from the first day (a level shift) is the usual difference: it has no onset.
-- day_no counts from 1 at start (daily_series holds every day of the window). Only the beyond days (few) are
-- joined with each other, and no window function runs over every scope-day: a comparison by place has
-- millions of them. Scopes without an onset have no row.
WITH r AS (
    SELECT scope_id, date_diff('day', CAST($start AS DATE), date) + 1 AS day_no,
           CASE WHEN current + candidate > 0 THEN 2 * (candidate - current) / (current + candidate)
                ELSE 0 END AS rel
    FROM daily_series
),
early AS (
    SELECT scope_id, rel FROM r WHERE day_no <= $early_days AND 2 * day_no <= $days
),
base AS (
    SELECT scope_id, median(rel) AS base
    FROM early
    GROUP BY scope_id
    HAVING count(*) >= 7
),
usual AS (
    SELECT e.scope_id, b.base, greatest($k * 1.4826 * median(abs(e.rel - b.base)), $min_gap) AS threshold
    FROM early AS e
    JOIN base AS b ON b.scope_id = e.scope_id
    GROUP BY e.scope_id, b.base
),
beyond AS (
    SELECT r.scope_id, r.day_no, CASE WHEN r.rel > u.base THEN 1 ELSE -1 END AS side, u.base, u.threshold
    FROM r
    JOIN usual AS u ON u.scope_id = r.scope_id
    WHERE abs(r.rel - u.base) > u.threshold
),
starts AS (
    SELECT b.scope_id, b.day_no, b.side, b.base, b.threshold
    FROM beyond AS b
    JOIN beyond AS n
      ON n.scope_id = b.scope_id AND n.side = b.side AND n.day_no BETWEEN b.day_no AND b.day_no + 6
    WHERE b.day_no + 6 <= $days
    GROUP BY b.scope_id, b.day_no, b.side, b.base, b.threshold
    HAVING count(*) >= $run_days
),
firsts AS (
    SELECT scope_id, min(day_no) AS day_no FROM starts GROUP BY scope_id
)
SELECT s.scope_id, s.day_no, s.side AS direction, s.base, s.threshold
FROM starts AS s
JOIN firsts AS f ON f.scope_id = s.scope_id AND f.day_no = s.day_no
ORDER BY s.scope_id
