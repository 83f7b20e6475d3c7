-- The per-place, per-source rollup (as ingest_place_source) of one part of a big release's places, and
-- whether a key repeats in each of its groups.
-- params: part, first_date
-- reads: visits_part (one part's rows of ingest_visits_split), place_numbers
-- Grouped by place number (fixed width), then given back its place_id (from this part's numbers only: a
-- join with every place's would build a hash table of them all, part after part); ordered by number, that
-- is by id. key_repeats (not written: write_parquet_parts' flag) is contract_visits_key_check riding along:
-- a group (place, source, segment) holds a repeated (place, date, source, segment) exactly when it has more
-- rows than distinct days, each day d since $first_date a bit of a 128-bit integer; exact for a release of
-- fewer than 127 days (place_parts.KEY_DAYS), a day's bit wrapping round past that (never an overflow).
SELECT n.place_id, s.source, s.segment, s.visits, s.raw_visits, s.key_repeats
FROM (
    SELECT place_no, source, segment, fsum(visits) AS visits, CAST(sum(raw_visits) AS BIGINT) AS raw_visits,
           count(*) <> bit_count(bit_or(CAST(1 AS HUGEINT)
               << CAST(date_diff('day', CAST($first_date AS DATE), date) % 127 AS HUGEINT))) AS key_repeats
    FROM visits_part
    GROUP BY place_no, source, segment
) AS s
JOIN (SELECT place_no, place_id FROM place_numbers WHERE part = $part) AS n ON n.place_no = s.place_no
ORDER BY s.place_no, s.source, s.segment
