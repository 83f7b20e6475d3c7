-- Each place of an incoming release with its number (0, 1, ... in place_id order) and its part.
-- params: step
-- reads: places_typed
-- A big release's visits are split by part (ingest_visits_split) and rolled up part after part, grouped by
-- the number instead of the text id: fixed-width keys, so each aggregate is smaller and faster and fits the
-- memory budget whatever the row order. Numbers and parts follow place_id order, so the parts' rollups,
-- one after another, are sorted as one query's.
SELECT place_id,
       CAST(row_number() OVER (ORDER BY place_id) - 1 AS INTEGER) AS place_no,
       CAST((row_number() OVER (ORDER BY place_id) - 1) // $step AS INTEGER) AS part
FROM places_typed
