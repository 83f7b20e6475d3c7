-- Chaos: remove the selected visit rows (a source outage, or a lost day). Nothing is written anywhere.
-- params: input, places, source, regions, start, until
-- reads: query_table($input) (visits-shaped: place_id, date, source, visits, raw_visits, segment),
--        query_table($places) (places, for the region filter)
-- Selected: source = $source ('' = every source), date in [$start, $until], and the place's region in
-- $regions (empty list = every region).
SELECT v.place_id, v.date, v.source, v.visits, v.raw_visits, v.segment
FROM query_table($input) AS v
WHERE NOT (
    ($source = '' OR v.source = $source)
    AND v.date BETWEEN $start AND $until
    AND (len($regions) = 0 OR v.place_id IN (
        SELECT p.place_id FROM query_table($places) AS p WHERE list_contains($regions, p.region)))
)
