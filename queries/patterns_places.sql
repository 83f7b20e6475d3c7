-- Each place's attributes from its latest week (the last file by name on a tie), and which attributes differ
-- between its weeks (`changed`, for the warning). An attribute a file does not carry at all (in `absent`) is
-- taken from the latest week of a file that does, and is not compared where it is missing.
-- A value is picked inside a struct, so a NULL in the latest week wins (arg_max of a bare value would skip it).
-- brands: the first is the brand, the rest are kept as other_brands (', '-joined; null when none).
-- Used when some file lacks an attribute column; patterns_places_latest is the same when none does.
-- params: none
-- reads: pat_parsed (from patterns_parsed)
WITH latest AS (
    SELECT place_key AS place_id,
        arg_max({'v': location_name}, (week_start, file)) FILTER (WHERE NOT list_contains(absent, 'location_name')).v AS name,
        arg_max({'v': brand, 'o': other_brands}, (week_start, file)) FILTER (WHERE NOT list_contains(absent, 'brands')) AS brands,
        arg_max({'v': top_category}, (week_start, file)) FILTER (WHERE NOT list_contains(absent, 'top_category')).v AS category,
        arg_max({'v': region}, (week_start, file)) FILTER (WHERE NOT list_contains(absent, 'region')).v AS region,
        arg_max({'v': city}, (week_start, file)) FILTER (WHERE NOT list_contains(absent, 'city')).v AS city,
        arg_max({'v': sub_category}, (week_start, file)) FILTER (WHERE NOT list_contains(absent, 'sub_category')).v AS sub_category,
        arg_max({'v': parent_placekey}, (week_start, file)) FILTER (WHERE NOT list_contains(absent, 'parent_placekey')).v AS parent_place_id,
        arg_max({'v': latitude}, (week_start, file)) FILTER (WHERE NOT list_contains(absent, 'latitude')).v AS latitude,
        arg_max({'v': longitude}, (week_start, file)) FILTER (WHERE NOT list_contains(absent, 'longitude')).v AS longitude,
        list_filter([
            CASE WHEN min(coalesce(location_name, '')) FILTER (WHERE NOT list_contains(absent, 'location_name'))
                <> max(coalesce(location_name, '')) FILTER (WHERE NOT list_contains(absent, 'location_name')) THEN 'location_name' END,
            CASE WHEN min([coalesce(brand, ''), coalesce(other_brands, '')]) FILTER (WHERE NOT list_contains(absent, 'brands'))
                <> max([coalesce(brand, ''), coalesce(other_brands, '')]) FILTER (WHERE NOT list_contains(absent, 'brands')) THEN 'brands' END,
            CASE WHEN min(coalesce(top_category, '')) FILTER (WHERE NOT list_contains(absent, 'top_category'))
                <> max(coalesce(top_category, '')) FILTER (WHERE NOT list_contains(absent, 'top_category')) THEN 'top_category' END,
            CASE WHEN min(coalesce(region, '')) FILTER (WHERE NOT list_contains(absent, 'region'))
                <> max(coalesce(region, '')) FILTER (WHERE NOT list_contains(absent, 'region')) THEN 'region' END,
            CASE WHEN min(coalesce(city, '')) FILTER (WHERE NOT list_contains(absent, 'city'))
                <> max(coalesce(city, '')) FILTER (WHERE NOT list_contains(absent, 'city')) THEN 'city' END,
            CASE WHEN min(coalesce(sub_category, '')) FILTER (WHERE NOT list_contains(absent, 'sub_category'))
                <> max(coalesce(sub_category, '')) FILTER (WHERE NOT list_contains(absent, 'sub_category')) THEN 'sub_category' END,
            CASE WHEN min(coalesce(parent_placekey, '')) FILTER (WHERE NOT list_contains(absent, 'parent_placekey'))
                <> max(coalesce(parent_placekey, '')) FILTER (WHERE NOT list_contains(absent, 'parent_placekey')) THEN 'parent_placekey' END,
            CASE WHEN min(latitude) FILTER (WHERE NOT list_contains(absent, 'latitude'))
                IS DISTINCT FROM max(latitude) FILTER (WHERE NOT list_contains(absent, 'latitude'))
                OR count(latitude) FILTER (WHERE NOT list_contains(absent, 'latitude'))
                    NOT IN (0, count(*) FILTER (WHERE NOT list_contains(absent, 'latitude'))) THEN 'latitude' END,
            CASE WHEN min(longitude) FILTER (WHERE NOT list_contains(absent, 'longitude'))
                IS DISTINCT FROM max(longitude) FILTER (WHERE NOT list_contains(absent, 'longitude'))
                OR count(longitude) FILTER (WHERE NOT list_contains(absent, 'longitude'))
                    NOT IN (0, count(*) FILTER (WHERE NOT list_contains(absent, 'longitude'))) THEN 'longitude' END
        ], lambda x: x IS NOT NULL) AS changed
    FROM pat_parsed
    GROUP BY place_key
)
SELECT place_id, coalesce(name, '') AS name, brands.v AS brand, category, region, city, sub_category, parent_place_id,
    latitude, longitude, nullif(brands.o, '') AS other_brands, changed
FROM latest
