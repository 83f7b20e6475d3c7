-- Every place of one release in one range of place ids (place_id from $lo, up to $hi excluded; '' leaves that end
-- open: a comparison by place runs range by range), grouped by one attribute: one scope per category, region,
-- brand or place.
-- params: attribute, lo, hi
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
WHERE place_id >= $lo AND ($hi = '' OR place_id < $hi)
