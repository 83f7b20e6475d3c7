-- Visits of each place of the prepared scopes over the window, from the place-day rollup.
-- params: start, end
-- reads: daily_in, members_in
-- Sums of visits are reproducible: totals (agg_*, metrics_totals, metrics_share) use compensated summation
-- (fsum), whose result in practice does not depend on the order threads combine rows in; the per-day series
-- sums (metrics_daily, series_weekly) add in date order (ORDER BY inside the aggregate) and metrics_rank sums
-- integers. So a release compared with itself gives exact zeros, run after run.
SELECT place_id, fsum(visits) AS visits, sum(raw_visits) AS raw_visits
FROM daily_in
WHERE date BETWEEN $start AND $end
  AND place_id IN (SELECT place_id FROM members_in)
GROUP BY place_id
