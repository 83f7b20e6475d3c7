-- Names of places of one release, for naming place scopes.
-- params: none
-- reads: places_in
SELECT place_id, name FROM places_in
