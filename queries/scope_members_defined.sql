-- Places of each place-set scope (all, customer, deal, brand list...) in one release's places table. A source or
-- segment scope restricts visit rows, not places: it is left out here (scope_members_with_rows adds it).
-- params: none
-- reads: scope_defs (scope_id, mode, value, brands[], regions[], categories[], place_ids[]), places_in
-- A customer: brand in brands (own or competitors), restricted to regions if any, plus place_ids.
-- A deal or ad-hoc scope: every non-empty filter matches, plus place_ids.
-- Plan: each definition names keys (an attribute value a member must have) and places are keyed by their
-- attributes, so an equi-join on the keys finds the members (no nested-loop join of every definition against
-- every place). For all, a category, region, brand or place the key is the whole rule; a customer's or a
-- deal's keys only find candidates, checked against the full rule.
WITH exact AS (
    SELECT scope_id, 'all' AS key_kind, '' AS key_value FROM scope_defs WHERE mode = 'all'
    UNION ALL
    SELECT scope_id, mode, value FROM scope_defs WHERE mode IN ('category', 'region', 'brand', 'place')
),
entry AS (
    SELECT scope_id, 'brand' AS key_kind, unnest(brands) AS key_value FROM scope_defs WHERE mode = 'customer'
    UNION ALL
    SELECT scope_id, 'category', unnest(categories) FROM scope_defs WHERE mode = 'filter' AND len(categories) > 0
    UNION ALL
    SELECT scope_id, 'region', unnest(regions) FROM scope_defs
    WHERE mode = 'filter' AND len(categories) = 0 AND len(regions) > 0
    UNION ALL
    SELECT scope_id, 'brand', unnest(brands) FROM scope_defs
    WHERE mode = 'filter' AND len(categories) = 0 AND len(regions) = 0
    UNION ALL
    SELECT scope_id, 'place', unnest(place_ids) FROM scope_defs WHERE mode IN ('customer', 'filter')
),
keyed AS (
    SELECT place_id, 'all' AS key_kind, '' AS key_value FROM places_in
    UNION ALL
    SELECT place_id, 'category', category FROM places_in
    UNION ALL
    SELECT place_id, 'region', region FROM places_in
    UNION ALL
    SELECT place_id, 'brand', COALESCE(brand, '(independent)') FROM places_in
    UNION ALL
    SELECT place_id, 'place', place_id FROM places_in
),
candidates AS (
    SELECT DISTINCT e.scope_id, k.place_id
    FROM entry AS e
    JOIN keyed AS k ON k.key_kind = e.key_kind AND k.key_value = e.key_value
)
SELECT e.scope_id, k.place_id
FROM exact AS e
JOIN keyed AS k ON k.key_kind = e.key_kind AND k.key_value = e.key_value
UNION ALL
SELECT d.scope_id, p.place_id
FROM candidates AS c
JOIN scope_defs AS d ON d.scope_id = c.scope_id
JOIN places_in AS p ON p.place_id = c.place_id
WHERE CASE d.mode
        WHEN 'customer' THEN (
            (list_contains(d.brands, p.brand)
                AND (len(d.regions) = 0 OR list_contains(d.regions, p.region)))
            OR list_contains(d.place_ids, p.place_id))
        WHEN 'filter' THEN (
            ((len(d.brands) + len(d.regions) + len(d.categories)) > 0
                AND (len(d.brands) = 0 OR list_contains(d.brands, p.brand))
                AND (len(d.regions) = 0 OR list_contains(d.regions, p.region))
                AND (len(d.categories) = 0 OR list_contains(d.categories, p.category)))
            OR list_contains(d.place_ids, p.place_id))
        ELSE false
    END
