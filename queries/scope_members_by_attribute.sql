-- Every place of one release grouped by one attribute: one scope per category, region, brand or place.
-- params: attribute
-- reads: places_x
SELECT
    CASE $attribute
        WHEN 'category' THEN category
        WHEN 'region' THEN region
        WHEN 'brand' THEN COALESCE(brand, '(independent)')
        WHEN 'place' THEN place_id
        ELSE 'all'
    END AS scope_id,
    place_id
FROM places_x
