-- Per scope: Pearson correlation of the two daily series over the window; null with < 3 days or a constant series.
-- params: none
-- reads: daily_series (from series_daily)
SELECT scope_id,
       CASE WHEN count(*) < 3 OR min(current) = max(current) OR min(candidate) = max(candidate) THEN NULL
            ELSE corr(candidate, current) END AS daily_corr,
       count(*) AS days
FROM daily_series
GROUP BY scope_id
