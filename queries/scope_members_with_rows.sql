-- Every scope's members in one release: the place-set scopes' (scope_members_defined) and, for a source or
-- segment scope, every place of the release (it restricts visit rows, not places).
-- params: none
-- reads: place_members_in, places_in, scope_defs
SELECT scope_id, place_id FROM place_members_in
UNION ALL
SELECT s.scope_id, p.place_id
FROM scope_defs AS s
CROSS JOIN places_in AS p
WHERE s.mode IN ('source', 'segment')
