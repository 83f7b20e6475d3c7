-- The per-place daily rollup (as ingest_place_daily) of one part of a big release's places.
-- params: none
-- reads: visits_part (one part's rows of ingest_visits_split), place_numbers
-- Grouped by place number (fixed width), then given back its place_id; ordered by number, that is by id.
SELECT n.place_id, d.date, d.visits, d.raw_visits
FROM (
    SELECT place_no, date, fsum(visits) AS visits, CAST(sum(raw_visits) AS BIGINT) AS raw_visits
    FROM visits_part
    GROUP BY place_no, date
) AS d
JOIN place_numbers AS n ON n.place_no = d.place_no
ORDER BY d.place_no, d.date
