-- Whether (place, date, source, segment) is unique in one part of a big release's split visits: the number
-- of groups holding a duplicate (as contract_visits_key_check, on place numbers instead of text ids).
-- params: first_date
-- reads: visits_part (one part's rows of ingest_visits_split)
-- Same method as contract_visits_key_check: a group per (place, source, segment, day // 62), whose rows
-- number as many as the distinct bits of their days exactly when no day repeats. Places not in places (part
-- -1) have no number and share one, and a hash shared by two triples, both can only add a false "yes":
-- contract_visits_duplicates, run only on a "yes", lists the real offending keys.
WITH days AS (
    SELECT hash(place_no, source, segment) AS triple,
           date_diff('day', CAST($first_date AS DATE), date) AS d
    FROM visits_part
),
grouped AS (
    SELECT count(*) AS day_rows,
           bit_or(CAST(1 AS BIGINT) << CAST(d % 62 AS INTEGER)) AS day_bits
    FROM days
    GROUP BY triple, d // 62
)
SELECT count(*) FILTER (WHERE day_rows <> bit_count(day_bits)) AS groups_with_duplicates
FROM grouped
