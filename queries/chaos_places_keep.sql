-- Chaos: the places table without the places of a category or a brand (optionally in some regions).
-- params: places, category, brand, regions
-- reads: query_table($places) (a places table)
-- $category / $brand: '' = not this filter; a place is dropped when it matches the given one.
SELECT p.*
FROM query_table($places) AS p
WHERE NOT (
    (($category <> '' AND p.category = $category) OR ($brand <> '' AND p.brand = $brand))
    AND (len($regions) = 0 OR list_contains($regions, p.region))
)
