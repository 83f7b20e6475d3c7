-- Chaos: visits summed per place and day (the place_daily rollup) of a virtual release, for the places of one
-- range (place_id from $lo, up to $hi excluded; '' leaves that end open: dashboard/engine/place_ranges.py).
-- params: input, lo, hi
-- reads: query_table($input) (visits-shaped)
-- Reads its input by a name given as a value, not visits_in: a view binds late, and the engine re-binds
-- visits_in at each call that reads it.
SELECT place_id, date, sum(visits) AS visits, sum(raw_visits) AS raw_visits
FROM query_table($input)
WHERE place_id >= $lo AND ($hi = '' OR place_id < $hi)
GROUP BY place_id, date
