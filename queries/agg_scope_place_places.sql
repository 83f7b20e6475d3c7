-- Every member place of each place-set scope with its brand and window total (0 without rows).
-- params: none
-- reads: members_in, place_totals_in, places_in, scope_defs
SELECT m.scope_id, m.place_id, COALESCE(p.brand, '(independent)') AS brand,
       COALESCE(t.visits, 0) AS visits, t.raw_visits
FROM members_in AS m
JOIN places_in AS p ON p.place_id = m.place_id
LEFT JOIN place_totals_in AS t ON t.place_id = m.place_id
WHERE m.scope_id IN (SELECT scope_id FROM scope_defs WHERE mode NOT IN ('source', 'segment'))
