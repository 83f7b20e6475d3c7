-- Names of places of one release, for naming place scopes.
-- params: none
-- reads: places_x
SELECT place_id, name FROM places_x
