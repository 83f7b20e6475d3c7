-- Incoming visits with their place's number and part (ingest_place_numbers), written once split by part.
-- params: none
-- reads: visits_flags, place_numbers
-- A row whose place_id is not in places has no number and goes to part -1: the contract's unknown-places
-- rule then lists them from visits_flags (contract_visits_unknown_places). The caller casts source and
-- segment to ENUM types (written as the dictionaries they are, not hashed row by row).
SELECT n.place_no, v.date, v.source, v.segment, v.visits, v.raw_visits, COALESCE(n.part, -1) AS part
FROM visits_flags AS v
LEFT JOIN place_numbers AS n ON n.place_id = v.place_id
