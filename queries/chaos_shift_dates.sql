-- Chaos: the selected rows' dates moved by $days (a time-zone or partition bug in one feed).
-- params: input, places, source, regions, start, until, days
-- reads: query_table($input) (visits-shaped), query_table($places) (places, for the region filter)
WITH v AS (
    SELECT v.*,
        ($source = '' OR v.source = $source)
        AND v.date BETWEEN $start AND $until
        AND (len($regions) = 0 OR v.place_id IN (
            SELECT p.place_id FROM query_table($places) AS p WHERE list_contains($regions, p.region)))
        AS hit
    FROM query_table($input) AS v
)
SELECT place_id,
    CASE WHEN hit THEN CAST(date + CAST($days AS INTEGER) AS DATE) ELSE date END AS date,
    source, visits, raw_visits, segment
FROM v
