-- Exact rollup of visits per place and day (summed over sources and segments), written at ingest.
-- params: none
-- reads: visits_flags
SELECT place_id, date, sum(visits) AS visits, CAST(sum(raw_visits) AS BIGINT) AS raw_visits
FROM visits_flags
GROUP BY place_id, date
ORDER BY place_id, date
