-- Exact rollup of visits per place and day (summed over sources and segments), written at ingest.
-- params: none
-- reads: visits_keyed (visits_flags with place_id as an ENUM of the place ids, in sorted order: see ingest.py)
SELECT place_id, date, sum(visits) AS visits, CAST(sum(raw_visits) AS BIGINT) AS raw_visits
FROM visits_keyed
GROUP BY place_id, date
ORDER BY place_id, date
