-- The brands and cities of one release's places as the Explore page's narrowing pickers offer them.
-- params: independent, no_city
-- reads: places_in
-- A place without a brand counts as $independent, one without a city as $no_city (dashboard/engine/places.py).
SELECT DISTINCT 'brand' AS kind, coalesce(nullif(brand, ''), $independent) AS value FROM places_in
UNION
SELECT DISTINCT 'city' AS kind, coalesce(nullif(city, ''), $no_city) AS value FROM places_in
