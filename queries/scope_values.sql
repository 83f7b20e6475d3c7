-- Distinct values of one place attribute in one release, for scope pickers and "by" groupings.
-- params: attribute
-- reads: places_in
SELECT DISTINCT
    CASE $attribute
        WHEN 'category' THEN category
        WHEN 'region' THEN region
        WHEN 'brand' THEN COALESCE(brand, '(independent)')
        WHEN 'place' THEN place_id
        ELSE NULL
    END AS value
FROM places_in
ORDER BY value
