-- Whether (place_id, date, source, segment) is unique in incoming visits, exactly, without grouping by the key.
-- params: none
-- reads: visits_flags (from contract_visits_flags; run once every row has a place_id, date and source)
-- Each (source, segment) pair present gets a number c < n, and a row the number
-- k = (days since the first date) * n + c, which is unique per (date, source, segment) within a place. Rows are
-- grouped by (place_id, k // 62) and set bit k % 62: the sum of a group's bits equals their OR exactly when
-- no k repeats in it, that is when no key is duplicated. A few groups per place (not one per key) keep the
-- hash table small; contract_visits_duplicates then lists the offending keys, only when there are some.
WITH pairs AS (
    SELECT source, segment,
           CAST(row_number() OVER (ORDER BY source, segment) - 1 AS BIGINT) AS c,
           count(*) OVER () AS n
    FROM (SELECT DISTINCT source, segment FROM visits_flags) AS d
),
keyed AS (
    SELECT v.place_id,
           date_diff('day', (SELECT min(date) FROM visits_flags), v.date) * p.n + p.c AS k
    FROM visits_flags AS v
    JOIN pairs AS p ON p.source = v.source AND p.segment = v.segment
),
grouped AS (
    SELECT sum(CAST(1 AS BIGINT) << CAST(k % 62 AS INTEGER)) AS bit_sum,
           bit_or(CAST(1 AS BIGINT) << CAST(k % 62 AS INTEGER)) AS bit_union
    FROM keyed
    GROUP BY place_id, k // 62
)
SELECT count(*) FILTER (WHERE bit_sum <> bit_union) AS groups_with_duplicates
FROM grouped
