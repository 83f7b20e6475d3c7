-- Which of the given place ids one release has: checking a stakeholders file's place_ids without listing
-- every place.
-- params: wanted
-- reads: places_in
SELECT DISTINCT place_id AS value
FROM places_in
WHERE list_contains(CAST($wanted AS VARCHAR[]), place_id)
