-- Whether (place_id, date, source, segment) is unique in incoming visits: the number of groups holding a duplicate.
-- params: first_date
-- reads: visits_triples (contract_visits_triples over a whole release, ingest_part_triples over one part of a
--   big one; run once every row has a place_id, date and source)
-- Without a hash table of every key: a row's day number d (days since $first_date, the release's first date)
-- is split into d // 62, kept in the group, and bit d % 62. Within a group (place, source and segment, d // 62)
-- the rows number as many as the distinct bits of their OR exactly when no day repeats, that is when no key
-- is duplicated. A few groups per place, source and segment (two for 91 days) make it a fraction of the cost
-- of a GROUP BY on the key. The group holds a 64-bit hash of (place, source, segment) (the triple), not the
-- strings: fixed-width keys take less memory and time. Two triples sharing a hash can only add a false "yes"
-- (never hide a duplicate), and contract_visits_duplicates, run only on a "yes", lists the real offending keys.
WITH days AS (
    SELECT triple, date_diff('day', CAST($first_date AS DATE), date) AS d
    FROM visits_triples
),
grouped AS (
    SELECT count(*) AS day_rows,
           bit_or(CAST(1 AS BIGINT) << CAST(d % 62 AS INTEGER)) AS day_bits
    FROM days
    GROUP BY triple, d // 62
)
SELECT count(*) FILTER (WHERE day_rows <> bit_count(day_bits)) AS groups_with_duplicates
FROM grouped
