-- The number of places of an incoming release (to split its daily rollup into ranges of places).
-- params: none
-- reads: places_typed
SELECT count(*) AS places FROM places_typed
