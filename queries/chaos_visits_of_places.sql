-- Chaos: the visit rows of the places that remain (after places were dropped).
-- params: input, places
-- reads: query_table($input) (visits-shaped), query_table($places) (the places that remain)
SELECT v.place_id, v.date, v.source, v.visits, v.raw_visits, v.segment
FROM query_table($input) AS v
WHERE v.place_id IN (SELECT p.place_id FROM query_table($places) AS p)
