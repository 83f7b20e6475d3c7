-- The per-place daily rollup (as ingest_place_daily) of one part of a big release's places.
-- params: none
-- reads: visits_part (one part's rows of ingest_visits_parts)
SELECT place_id, date, fsum(visits) AS visits, CAST(sum(raw_visits) AS BIGINT) AS raw_visits
FROM visits_part
GROUP BY place_id, date
ORDER BY place_id, date
