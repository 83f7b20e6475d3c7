-- Place ids in incoming visits that the incoming places table does not hold.
-- params: limit
-- reads: visits_flags, places_typed
SELECT DISTINCT v.place_id
FROM visits_flags AS v
WHERE v.place_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM places_typed AS p WHERE p.place_id = v.place_id)
ORDER BY v.place_id
LIMIT $limit
