-- Each place of an incoming release with its part: the places in place_id order, $step places a part.
-- params: step
-- reads: places_typed
-- A big release's visits are split by these parts (ingest_visits_parts) and rolled up part after part, so
-- each aggregate fits the memory budget whatever the row order; the parts follow each other in place_id
-- order, so the parts' rollups, one after another, are sorted as one query's.
SELECT place_id, CAST((row_number() OVER (ORDER BY place_id) - 1) // $step AS INTEGER) AS part
FROM places_typed
