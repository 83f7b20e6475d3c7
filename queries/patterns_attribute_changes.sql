-- Places whose attributes differ between weeks (the latest are kept): how many, and which columns change.
-- params: limit
-- reads: pat_parsed (from patterns_rows)
WITH c AS (
    SELECT place_key AS place_id, list_filter([
        CASE WHEN count(DISTINCT coalesce(CAST(location_name AS VARCHAR), '')) FILTER (WHERE NOT list_contains(absent, 'location_name')) > 1 THEN 'location_name' END,
        CASE WHEN count(DISTINCT [coalesce(CAST(brand AS VARCHAR), ''), coalesce(other_brands, '')]) FILTER (WHERE NOT list_contains(absent, 'brands')) > 1 THEN 'brands' END,
        CASE WHEN count(DISTINCT coalesce(CAST(top_category AS VARCHAR), '')) FILTER (WHERE NOT list_contains(absent, 'top_category')) > 1 THEN 'top_category' END,
        CASE WHEN count(DISTINCT coalesce(CAST(region AS VARCHAR), '')) FILTER (WHERE NOT list_contains(absent, 'region')) > 1 THEN 'region' END,
        CASE WHEN count(DISTINCT coalesce(CAST(city AS VARCHAR), '')) FILTER (WHERE NOT list_contains(absent, 'city')) > 1 THEN 'city' END,
        CASE WHEN count(DISTINCT coalesce(CAST(sub_category AS VARCHAR), '')) FILTER (WHERE NOT list_contains(absent, 'sub_category')) > 1 THEN 'sub_category' END,
        CASE WHEN count(DISTINCT coalesce(CAST(parent_placekey AS VARCHAR), '')) FILTER (WHERE NOT list_contains(absent, 'parent_placekey')) > 1 THEN 'parent_placekey' END,
        CASE WHEN count(DISTINCT coalesce(CAST(latitude AS VARCHAR), '')) FILTER (WHERE NOT list_contains(absent, 'latitude')) > 1 THEN 'latitude' END,
        CASE WHEN count(DISTINCT coalesce(CAST(longitude AS VARCHAR), '')) FILTER (WHERE NOT list_contains(absent, 'longitude')) > 1 THEN 'longitude' END
    ], lambda x: x IS NOT NULL) AS changed
    FROM pat_parsed
    GROUP BY place_key
)
SELECT count(*) AS places,
    list(place_id || ': ' || array_to_string(changed, ', ') ORDER BY place_id)[1:$limit] AS examples
FROM c
WHERE len(changed) > 0
