-- Daily totals of source and segment scopes over the window (all places, that source or group only).
-- params: start, end
-- reads: visits_in, scope_defs
WITH v AS (
    SELECT 'source' AS mode, source AS value, place_id, source, segment, date, visits, raw_visits FROM visits_in
    WHERE date BETWEEN $start AND $end
    UNION ALL
    SELECT 'segment' AS mode, segment AS value, place_id, source, segment, date, visits, raw_visits FROM visits_in
    WHERE date BETWEEN $start AND $end
)
SELECT s.scope_id, v.date, fsum(v.visits) AS visits, sum(v.raw_visits) AS raw_visits
FROM v
JOIN scope_defs AS s ON s.mode = v.mode AND s.value = v.value
GROUP BY s.scope_id, v.date
