-- Per scope: Pearson correlation of the two daily series over the window; null with < 3 days or a constant series.
-- params: none
-- reads: daily_series (from series_daily)
-- Two passes (means, then centred sums), so a large level with a small day-to-day variation keeps its precision.
-- A series is constant when it varies by at most 1e-9 of its largest value (float sums of equal days may differ
-- in the last bits, which is rounding noise, not variation).
WITH m AS (
    SELECT scope_id, avg(current ORDER BY date) AS mean_current, avg(candidate ORDER BY date) AS mean_candidate, count(*) AS days,
           (max(current) - min(current) <= 1e-9 * max(abs(current))
            OR max(candidate) - min(candidate) <= 1e-9 * max(abs(candidate))) AS flat
    FROM daily_series
    GROUP BY scope_id
),
s AS (
    SELECT d.scope_id,
           sum((d.current - m.mean_current) * (d.candidate - m.mean_candidate) ORDER BY d.date) AS sxy,
           sum((d.current - m.mean_current) * (d.current - m.mean_current) ORDER BY d.date) AS sxx,
           sum((d.candidate - m.mean_candidate) * (d.candidate - m.mean_candidate) ORDER BY d.date) AS syy
    FROM daily_series AS d
    JOIN m ON m.scope_id = d.scope_id
    GROUP BY d.scope_id
)
SELECT m.scope_id,
       CASE WHEN m.days < 3 OR m.flat OR s.sxx <= 0 OR s.syy <= 0 THEN NULL
            ELSE s.sxy / sqrt(s.sxx * s.syy) END AS daily_corr,
       m.days
FROM m
JOIN s ON s.scope_id = m.scope_id
