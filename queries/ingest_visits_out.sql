-- The visits columns of the contract, typed, as stored.
-- params: none
-- reads: visits_flags
SELECT place_id, date, source, visits, raw_visits, segment
FROM visits_flags
