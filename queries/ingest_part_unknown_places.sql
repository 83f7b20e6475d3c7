-- Place ids in a big release's split visits that the incoming places table does not hold (part -1), as
-- contract_visits_unknown_places gives them for a release in one piece.
-- params: limit
-- reads: visits_part (the rows of part -1 of ingest_visits_split)
SELECT DISTINCT unknown_place_id AS place_id
FROM visits_part
ORDER BY place_id
LIMIT $limit
