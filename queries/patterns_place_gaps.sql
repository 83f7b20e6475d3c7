-- Places whose weekly rows leave days out between the place's first and last day: how many, the first few.
-- params: limit
-- reads: pat_parsed (from patterns_rows)
WITH w AS (
    SELECT place_key AS place_id, week_start AS s, week_start + CAST(len(counts) AS INTEGER) AS e FROM pat_parsed
), c AS (
    SELECT place_id, s,
        max(e) OVER (PARTITION BY place_id ORDER BY s, e ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS covered_to
    FROM w
), g AS (
    SELECT place_id, sum(date_diff('day', covered_to, s)) AS missing
    FROM c
    WHERE s > covered_to
    GROUP BY place_id
)
SELECT count(*) AS places,
    list(place_id || ' (' || CAST(missing AS VARCHAR) || ' days missing)' ORDER BY place_id)[1:$limit] AS examples
FROM g
