-- The per place and day rollup when each place and day has one row (a checked snapshot of one source and
-- segment, its visits in place and date order): the visits themselves, no grouping.
-- params: none
-- reads: visits_flags (from contract_visits_checked)
SELECT place_id, date, visits, raw_visits
FROM visits_flags
