-- Places whose attributes differ between weeks (the latest are kept): how many, and which columns change.
-- params: limit
-- reads: pat_places (from patterns_places or patterns_places_latest)
SELECT count(*) AS places,
    list(place_id || ': ' || array_to_string(changed, ', ') ORDER BY place_id)[1:$limit] AS examples
FROM pat_places
WHERE len(changed) > 0
