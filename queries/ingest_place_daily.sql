-- Exact rollup of visits per place and day (summed over sources and segments), written at ingest.
-- params: none
-- reads: visits_flags
-- Compensated sums (fsum), as ingest_place_source: the same rows give the same totals in any row order (a
-- shuffled export, threads combining partial sums, an aggregate that spilled).
SELECT place_id, date, fsum(visits) AS visits, CAST(sum(raw_visits) AS BIGINT) AS raw_visits
FROM visits_flags
GROUP BY place_id, date
ORDER BY place_id, date
