-- The per-place daily rollup (as ingest_place_daily) of the places in one range of ids [lo, hi), NULL = open.
-- params: lo, hi
-- reads: visits_flags
-- A big release's rollup is written range after range, so each aggregate fits the memory budget whatever
-- the row order; the ranges follow each other in place_id order, so the file is sorted as one query's.
SELECT place_id, date, fsum(visits) AS visits, CAST(sum(raw_visits) AS BIGINT) AS raw_visits
FROM visits_flags
WHERE ($lo IS NULL OR place_id >= $lo) AND ($hi IS NULL OR place_id < $hi)
GROUP BY place_id, date
ORDER BY place_id, date
