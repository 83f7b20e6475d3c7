-- Exact rollup of visits per place, source and segment over every date of the release, written at ingest.
-- params: none
-- reads: visits_flags
-- Compensated sums (fsum), so the same rows give the same totals whatever order threads combine them in.
-- A comparison whose window holds every date of a release reads its per-source totals from here instead of
-- summing the visits (see PairSession.source_totals).
SELECT place_id, source, segment, fsum(visits) AS visits, CAST(sum(raw_visits) AS BIGINT) AS raw_visits
FROM visits_flags
GROUP BY place_id, source, segment
ORDER BY place_id, source, segment
