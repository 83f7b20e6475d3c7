-- patterns_places_latest when every place has every week once (patterns_weeks_grid): the latest week of a place
-- is then the last week of the import, one row per place, so its attributes are read from that week's rows
-- instead of picked by an aggregate over every week; `changed` as there.
-- params: none
-- reads: pat_parsed (from patterns_parsed)
WITH changes AS (
    SELECT place_key,
        list_filter([
            CASE WHEN min(coalesce(location_name, '')) <> max(coalesce(location_name, '')) THEN 'location_name' END,
            CASE WHEN min([coalesce(brand, ''), coalesce(other_brands, '')])
                <> max([coalesce(brand, ''), coalesce(other_brands, '')]) THEN 'brands' END,
            CASE WHEN min(coalesce(top_category, '')) <> max(coalesce(top_category, '')) THEN 'top_category' END,
            CASE WHEN min(coalesce(region, '')) <> max(coalesce(region, '')) THEN 'region' END,
            CASE WHEN min(coalesce(city, '')) <> max(coalesce(city, '')) THEN 'city' END,
            CASE WHEN min(coalesce(sub_category, '')) <> max(coalesce(sub_category, '')) THEN 'sub_category' END,
            CASE WHEN min(coalesce(parent_placekey, '')) <> max(coalesce(parent_placekey, '')) THEN 'parent_placekey' END,
            CASE WHEN min(latitude) IS DISTINCT FROM max(latitude) OR count(latitude) NOT IN (0, count(*))
                THEN 'latitude' END,
            CASE WHEN min(longitude) IS DISTINCT FROM max(longitude) OR count(longitude) NOT IN (0, count(*))
                THEN 'longitude' END
        ], lambda x: x IS NOT NULL) AS changed
    FROM pat_parsed
    GROUP BY place_key
)
SELECT l.place_key AS place_id, coalesce(l.location_name, '') AS name, l.brand, l.top_category AS category, l.region,
    l.city, l.sub_category, l.parent_placekey AS parent_place_id, l.latitude, l.longitude,
    nullif(l.other_brands, '') AS other_brands, c.changed
FROM pat_parsed l JOIN changes c ON c.place_key = l.place_key
WHERE l.week_start = (SELECT max(week_start) FROM pat_parsed)
