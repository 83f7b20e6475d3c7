-- patterns_places when every file carries every attribute column: the latest week's attributes in one pick
-- (the last file by name on a tie), and which attributes differ between the place's weeks (`changed`).
-- brands: the first is the brand, the rest are kept as other_brands (', '-joined; null when none).
-- params: none
-- reads: pat_parsed (from patterns_parsed)
WITH latest AS (
    SELECT place_key AS place_id,
        arg_max({'name': location_name, 'brand': brand, 'other_brands': other_brands, 'category': top_category,
            'region': region, 'city': city, 'sub_category': sub_category, 'parent_place_id': parent_placekey,
            'latitude': latitude, 'longitude': longitude}, (week_start, file)) AS l,
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
SELECT place_id, coalesce(l.name, '') AS name, l.brand, l.category, l.region, l.city, l.sub_category,
    l.parent_place_id, l.latitude, l.longitude, nullif(l.other_brands, '') AS other_brands, changed
FROM latest
