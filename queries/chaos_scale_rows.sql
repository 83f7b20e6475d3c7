-- Chaos: multiply the selected rows' visits by $factor (a source losing or gaining devices).
-- params: input, places, source, regions, start, until, factor
-- reads: query_table($input) (visits-shaped), query_table($places) (places, for the region filter)
-- raw_visits scale too (rounded), since a device loss shrinks the observed panel as well.
WITH v AS (
    SELECT v.*,
        ($source = '' OR v.source = $source)
        AND v.date BETWEEN $start AND $until
        AND (len($regions) = 0 OR v.place_id IN (
            SELECT p.place_id FROM query_table($places) AS p WHERE list_contains($regions, p.region)))
        AS hit
    FROM query_table($input) AS v
)
SELECT place_id, date, source,
    CASE WHEN hit THEN visits * $factor ELSE visits END AS visits,
    CASE WHEN hit THEN CAST(round(raw_visits * $factor) AS BIGINT) ELSE raw_visits END AS raw_visits,
    segment
FROM v
