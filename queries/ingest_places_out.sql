-- The places columns of the contract, typed, as stored.
-- params: none
-- reads: places_flags
SELECT place_id, name, brand, category, region, city, sub_category, parent_place_id, latitude, longitude,
    other_brands
FROM places_flags
ORDER BY place_id
