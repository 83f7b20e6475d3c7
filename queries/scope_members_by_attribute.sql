-- Every place of one release grouped by one attribute: one scope per category, region, brand or place.
-- params: attribute
-- reads: places_in
-- scope_id is written as the scope string (category:NAME, region:NAME, brand:NAME, place:ID), like ScopeDef.scope_id.
SELECT
    CASE $attribute
        WHEN 'category' THEN 'category:' || category
        WHEN 'region' THEN 'region:' || region
        WHEN 'brand' THEN 'brand:' || COALESCE(brand, '(independent)')
        WHEN 'place' THEN 'place:' || place_id
    END AS scope_id,
    place_id
FROM places_in
