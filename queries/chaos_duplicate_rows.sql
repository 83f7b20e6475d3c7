-- Chaos: the selected rows delivered twice (a re-delivered day): each is counted twice downstream.
-- params: input, places, source, regions, start, until
-- reads: query_table($input) (visits-shaped), query_table($places) (places, for the region filter)
SELECT place_id, date, source, visits, raw_visits, segment FROM query_table($input)
UNION ALL
SELECT v.place_id, v.date, v.source, v.visits, v.raw_visits, v.segment
FROM query_table($input) AS v
WHERE ($source = '' OR v.source = $source)
  AND v.date BETWEEN $start AND $until
  AND (len($regions) = 0 OR v.place_id IN (
      SELECT p.place_id FROM query_table($places) AS p WHERE list_contains($regions, p.region)))
