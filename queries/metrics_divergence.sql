-- Per scope: the first date from which candidate and current diverge beyond their usual day-to-day difference.
-- params: early_days, k, min_gap, run_days
-- reads: daily_series (from series_daily)
-- The rule (README "Divergence onset"; dashboard/engine/divergence.py names the constants):
-- - each day's relative difference rel = 2·(candidate − current) / (candidate + current) (0 when both are 0):
--   about (candidate − current) / current for small differences, defined for a place that exists in one
--   release only, and bounded (±2);
-- - the usual difference: over the first early_days days of the window (at most its first half, at least
--   7 days, else no onset), base = median(rel) and spread = 1.4826 · median(|rel − base|) (the MAD, scaled
--   to a standard deviation for normal noise);
-- - a day is beyond when |rel − base| > max(k · spread, min_gap), on its side (above or below);
-- - the onset is the first day that is beyond and from which at least run_days of the 7 days starting
--   with it (all inside the window) are beyond on the same side.
-- A difference present from the first day (a level shift) is the usual difference: it has no onset.
-- Scopes without an onset have no row.
WITH r AS (
    SELECT scope_id, date,
           row_number() OVER (PARTITION BY scope_id ORDER BY date) AS day_no,
           count(*) OVER (PARTITION BY scope_id) AS days,
           CASE WHEN current + candidate > 0 THEN 2 * (candidate - current) / (current + candidate)
                ELSE 0 END AS rel
    FROM daily_series
),
early AS (
    SELECT * FROM r WHERE day_no <= $early_days AND 2 * day_no <= days
),
base AS (
    SELECT scope_id, median(rel) AS base
    FROM early
    GROUP BY scope_id
    HAVING count(*) >= 7
),
spread AS (
    SELECT e.scope_id, b.base, 1.4826 * median(abs(e.rel - b.base)) AS spread
    FROM early AS e
    JOIN base AS b ON b.scope_id = e.scope_id
    GROUP BY e.scope_id, b.base
),
sides AS (
    SELECT r.scope_id, r.date, r.day_no, s.base, s.spread,
           greatest($k * s.spread, $min_gap) AS threshold,
           CASE WHEN r.rel - s.base > greatest($k * s.spread, $min_gap) THEN 1
                WHEN s.base - r.rel > greatest($k * s.spread, $min_gap) THEN -1
                ELSE 0 END AS side
    FROM r
    JOIN spread AS s ON s.scope_id = r.scope_id
),
runs AS (
    SELECT scope_id, date, day_no, side, base, spread, threshold,
           sum(CASE WHEN side = 1 THEN 1 ELSE 0 END) OVER w AS up,
           sum(CASE WHEN side = -1 THEN 1 ELSE 0 END) OVER w AS down,
           count(*) OVER w AS span
    FROM sides
    WINDOW w AS (PARTITION BY scope_id ORDER BY day_no ROWS BETWEEN CURRENT ROW AND 6 FOLLOWING)
),
onsets AS (
    SELECT scope_id, date, side, base, spread, threshold,
           row_number() OVER (PARTITION BY scope_id ORDER BY day_no) AS nth
    FROM runs
    WHERE span = 7 AND ((side = 1 AND up >= $run_days) OR (side = -1 AND down >= $run_days))
)
SELECT scope_id, date AS diverges_from, side AS direction, base, spread, threshold
FROM onsets
WHERE nth = 1
ORDER BY scope_id
