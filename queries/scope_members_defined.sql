-- Places of each defined scope (customer, deal, brand list...) in one release's places table.
-- params: none
-- reads: scope_defs (scope_id, mode, value, brands[], regions[], categories[], place_ids[]), places_x
-- A customer: brand in brands (own or competitors), restricted to regions if any, plus place_ids.
-- A deal or ad-hoc scope: every non-empty filter matches, plus place_ids.
SELECT d.scope_id, p.place_id
FROM scope_defs AS d
JOIN places_x AS p ON (
    CASE d.mode
        WHEN 'all' THEN true
        WHEN 'source' THEN true
        WHEN 'segment' THEN true
        WHEN 'category' THEN p.category = d.value
        WHEN 'region' THEN p.region = d.value
        WHEN 'brand' THEN COALESCE(p.brand, '(independent)') = d.value
        WHEN 'place' THEN p.place_id = d.value
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
)
