-- Incoming visits, each row with its place's part (ingest_place_parts), written once split by part.
-- params: none
-- reads: visits_flags, place_parts
-- Every place_id is in places (checked before), so no row is lost by the join.
SELECT v.place_id, v.date, v.source, v.segment, v.visits, v.raw_visits, p.part
FROM visits_flags AS v
JOIN place_parts AS p ON p.place_id = v.place_id
