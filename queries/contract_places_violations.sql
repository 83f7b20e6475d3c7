-- The first rows of an incoming places table that break one named rule.
-- params: rule, limit
-- reads: places_flags (from contract_places_flags)
SELECT place_id, name, brand, category, region, city, sub_category, parent_place_id,
    latitude_text AS latitude, longitude_text AS longitude
FROM places_flags
WHERE CASE $rule
    WHEN 'place_id_empty' THEN f_place_id_empty
    WHEN 'category_empty' THEN f_category_empty
    WHEN 'region_empty' THEN f_region_empty
    WHEN 'latitude_range' THEN f_latitude_range
    WHEN 'longitude_range' THEN f_longitude_range
    WHEN 'string_too_long' THEN too_long_column IS NOT NULL
    WHEN 'control_chars' THEN control_column IS NOT NULL
    WHEN 'place_id_duplicate' THEN place_id IN (
        SELECT place_id FROM places_flags GROUP BY place_id HAVING count(*) > 1)
    ELSE false
END
ORDER BY place_id
LIMIT $limit
