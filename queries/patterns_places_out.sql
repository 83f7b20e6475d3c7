-- The contract's places: each place's attributes from its latest week (the last file by name on a tie);
-- (a NULL included: arg_max of a bare value would skip it and keep an older one);
-- an attribute a file does not carry at all is taken from the latest week of a file that does.
-- brands: the first is the brand, the rest are kept as other_brands (', '-joined; null when none).
-- params: none
-- reads: pat_parsed (from patterns_rows)
WITH latest AS (
    SELECT place_key AS place_id,
        arg_max({'v': location_name}, (week_start, file)) FILTER (WHERE NOT list_contains(absent, 'location_name')).v AS name,
        arg_max({'v': brand}, (week_start, file)) FILTER (WHERE NOT list_contains(absent, 'brands')).v AS brand,
        arg_max({'v': other_brands}, (week_start, file)) FILTER (WHERE NOT list_contains(absent, 'brands')).v
            AS other_brands,
        arg_max({'v': top_category}, (week_start, file)) FILTER (WHERE NOT list_contains(absent, 'top_category')).v AS category,
        arg_max({'v': region}, (week_start, file)) FILTER (WHERE NOT list_contains(absent, 'region')).v AS region,
        arg_max({'v': city}, (week_start, file)) FILTER (WHERE NOT list_contains(absent, 'city')).v AS city,
        arg_max({'v': sub_category}, (week_start, file)) FILTER (WHERE NOT list_contains(absent, 'sub_category')).v AS sub_category,
        arg_max({'v': parent_placekey}, (week_start, file)) FILTER (WHERE NOT list_contains(absent, 'parent_placekey')).v AS parent_place_id,
        arg_max({'v': latitude}, (week_start, file)) FILTER (WHERE NOT list_contains(absent, 'latitude')).v AS latitude,
        arg_max({'v': longitude}, (week_start, file)) FILTER (WHERE NOT list_contains(absent, 'longitude')).v AS longitude
    FROM pat_parsed
    GROUP BY place_key
)
SELECT place_id, coalesce(name, '') AS name, brand, category, region, city, sub_category, parent_place_id,
    latitude, longitude, nullif(other_brands, '') AS other_brands
FROM latest
ORDER BY place_id
