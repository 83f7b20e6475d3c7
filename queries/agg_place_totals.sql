-- Visits of each place over the window, from the place-day rollup.
-- params: start, end
-- reads: daily_x
SELECT place_id, sum(visits) AS visits, sum(raw_visits) AS raw_visits
FROM daily_x
WHERE date BETWEEN $start AND $end
GROUP BY place_id
