-- Whether (place_id, date, source, segment) is unique in incoming visits: the number of groups holding a duplicate.
-- params: none
-- reads: visits_flags (from contract_visits_flags; run once every row has a place_id, date and source)
-- Exact, without a hash table of every key: a row's day number d (days since the first date) is split into
-- d // 62, kept in the group, and bit d % 62. Within a group (place_id, source, segment, d // 62) the sum of
-- the bits equals their OR exactly when no day repeats, that is when no key is duplicated. A few groups per
-- place, source and segment (two for 91 days) make it a fraction of the cost of a GROUP BY on the key;
-- contract_visits_duplicates lists the offending keys, only when there are some.
WITH days AS (
    SELECT place_id, source, segment,
           date_diff('day', (SELECT min(date) FROM visits_flags), date) AS d
    FROM visits_flags
),
grouped AS (
    SELECT sum(CAST(1 AS BIGINT) << CAST(d % 62 AS INTEGER)) AS bit_sum,
           bit_or(CAST(1 AS BIGINT) << CAST(d % 62 AS INTEGER)) AS bit_union
    FROM days
    GROUP BY place_id, source, segment, d // 62
)
SELECT count(*) FILTER (WHERE bit_sum <> bit_union) AS groups_with_duplicates
FROM grouped
