-- Visits of each place per source and segment over the window, summed from the visits.
-- params: start, end
-- reads: visits_in
-- PairSession.source_totals uses this when a release's rollup (place_source.parquet, the same sums over
-- every date) does not apply: a window that leaves out some of its dates, a virtual release, an older store.
-- Compensated sums (fsum), as in the rollup.
SELECT place_id, source, segment, fsum(visits) AS visits, CAST(sum(raw_visits) AS BIGINT) AS raw_visits
FROM visits_in
WHERE date BETWEEN $start AND $end
GROUP BY place_id, source, segment
