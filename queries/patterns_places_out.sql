-- The contract's places of an import, in place order.
-- params: none
-- reads: pat_places (from patterns_places or patterns_places_latest)
SELECT place_id, name, brand, category, region, city, sub_category, parent_place_id, latitude, longitude,
    other_brands
FROM pat_places
ORDER BY place_id
