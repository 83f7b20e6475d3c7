-- Places of one release with what a person recognises them by, for the Explore page's place picker: those of
-- the narrowing brands and cities (at most $limit, by id), and those a link names by label or id.
-- params: brands, cities, independent, no_city, limit, labels, ids
-- reads: places_in
-- An empty $brands or $cities keeps every brand or city; a place without a brand counts as $independent and
-- one without a city as $no_city, as the picker labels them (dashboard/engine/places.py). A big release has
-- millions of places: a picker cannot offer them all, so only the narrowed ones come back.
WITH p AS (
    SELECT place_id, name, brand, city, category, region,
        concat(coalesce(nullif(name, ''), place_id), ' — ', coalesce(nullif(brand, ''), $independent), ', ',
               coalesce(nullif(city, ''), region)) AS label
    FROM places_in
),
narrowed AS (
    SELECT place_id, name, brand, city, category, region
    FROM p
    WHERE (len($brands) = 0 OR list_contains($brands, coalesce(nullif(brand, ''), $independent)))
      AND (len($cities) = 0 OR list_contains($cities, coalesce(nullif(city, ''), $no_city)))
    ORDER BY place_id
    LIMIT $limit
)
SELECT place_id, name, brand, city, category, region FROM narrowed
UNION
SELECT place_id, name, brand, city, category, region
FROM p
WHERE list_contains($labels, label) OR list_contains($ids, place_id)
