-- Every member place of each place-set scope with its brand and window total (0 without rows).
-- params: none
-- reads: place_members_in, place_totals_in, places_in
-- place_members_in holds the place-set scopes only, so nothing filters it: the engine then knows it is the
-- big side and builds its hash tables on the places and their totals (a filter on it made DuckDB guess a fifth
-- of its rows and build on it: two hash tables of every (scope, place) that ran out of memory at 2 M places).
SELECT m.scope_id, m.place_id, COALESCE(p.brand, '(independent)') AS brand,
       COALESCE(t.visits, 0) AS visits, t.raw_visits
FROM place_members_in AS m
JOIN places_in AS p ON p.place_id = m.place_id
LEFT JOIN place_totals_in AS t ON t.place_id = m.place_id
