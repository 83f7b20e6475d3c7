-- Each incoming visit's (place_id, source, segment) as one 64-bit hash, with its date: the key check's input.
-- params: none
-- reads: visits_flags (from contract_visits_flags)
SELECT hash(place_id, source, segment) AS triple, date
FROM visits_flags
