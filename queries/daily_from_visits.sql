-- Visits summed per place and day: the rollup for a release that exists only as a view (chaos).
-- params: none
-- reads: visits_in
SELECT place_id, date, sum(visits) AS visits, sum(raw_visits) AS raw_visits
FROM visits_in
GROUP BY place_id, date
