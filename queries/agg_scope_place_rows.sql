-- Every place for source and segment scopes with its window total of that source or group only, for the places
-- of one range (place_id from $lo, up to $hi excluded; '' leaves that end open: dashboard/engine/place_ranges.py).
-- params: start, end, lo, hi
-- reads: visits_in, places_in, scope_defs
WITH v AS (
    SELECT 'source' AS mode, source AS value, place_id, date, source, segment, visits, raw_visits FROM visits_in
    WHERE date BETWEEN $start AND $end AND place_id >= $lo AND ($hi = '' OR place_id < $hi)
    UNION ALL
    SELECT 'segment' AS mode, segment AS value, place_id, date, source, segment, visits, raw_visits FROM visits_in
    WHERE date BETWEEN $start AND $end AND place_id >= $lo AND ($hi = '' OR place_id < $hi)
),
t AS (
    SELECT s.scope_id, v.place_id, fsum(v.visits) AS visits, sum(v.raw_visits) AS raw_visits
    FROM v
    JOIN scope_defs AS s ON s.mode = v.mode AND s.value = v.value
    GROUP BY s.scope_id, v.place_id
)
SELECT s.scope_id, p.place_id, COALESCE(p.brand, '(independent)') AS brand,
       COALESCE(t.visits, 0) AS visits, t.raw_visits
FROM scope_defs AS s
CROSS JOIN places_in AS p
LEFT JOIN t ON t.scope_id = s.scope_id AND t.place_id = p.place_id
WHERE s.mode IN ('source', 'segment') AND p.place_id >= $lo AND ($hi = '' OR p.place_id < $hi)
