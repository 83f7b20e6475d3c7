-- Incoming visits with their place's number and part (ingest_place_numbers), written once split by part.
-- params: none
-- reads: visits_flags, place_numbers
-- A row whose place_id is not in places keeps it as unknown_place_id, in part -1: the contract's
-- unknown-places rule reads its examples from there (ingest_part_unknown_places).
SELECT n.place_no, v.date, v.source, v.segment, v.visits, v.raw_visits,
       CASE WHEN n.place_no IS NULL THEN v.place_id END AS unknown_place_id,
       COALESCE(n.part, -1) AS part
FROM visits_flags AS v
LEFT JOIN place_numbers AS n ON n.place_id = v.place_id
