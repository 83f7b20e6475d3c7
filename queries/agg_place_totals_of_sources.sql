-- Visits of each place of the prepared scopes over the window, from its totals per source and segment.
-- params: none
-- reads: source_totals_in, members_in
-- The same sums as agg_place_totals, from the release's rollup (PairSession.rollup): a few rows per place
-- instead of one per place and day.
SELECT place_id, fsum(visits) AS visits, sum(raw_visits) AS raw_visits
FROM source_totals_in
WHERE place_id IN (SELECT place_id FROM members_in)
GROUP BY place_id
