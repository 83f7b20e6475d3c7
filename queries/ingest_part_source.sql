-- The per-place, per-source rollup (as ingest_place_source) of one part of a big release's places.
-- params: part
-- reads: visits_part (one part's rows of ingest_visits_split), place_numbers
-- Grouped by place number (fixed width), then given back its place_id (from this part's numbers only: a
-- join with every place's would build a hash table of them all, part after part); ordered by number, that
-- is by id.
SELECT n.place_id, s.source, s.segment, s.visits, s.raw_visits
FROM (
    SELECT place_no, source, segment, fsum(visits) AS visits, CAST(sum(raw_visits) AS BIGINT) AS raw_visits
    FROM visits_part
    GROUP BY place_no, source, segment
) AS s
JOIN (SELECT place_no, place_id FROM place_numbers WHERE part = $part) AS n ON n.place_no = s.place_no
ORDER BY s.place_no, s.source, s.segment
