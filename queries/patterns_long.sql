-- The weekly rows exploded to one row per place and day; raw_visit_counts spread to the days in proportion
-- to visits_by_day (evenly when the week has no visits), by largest remainder so each week keeps its integer total.
-- params: none
-- reads: pat_parsed (from patterns_rows, only rows that break no rule)
WITH x AS (
    SELECT file, "row", place_key AS place_id, week_start, counts, raw_visit_counts AS raw,
        list_sum(counts) AS total, len(counts) AS n,
        unnest(generate_series(1, len(counts))) AS i
    FROM pat_parsed
), y AS (
    SELECT file, "row", place_id, week_start + CAST(i - 1 AS INTEGER) AS date, counts[i] AS visits, raw, i,
        raw * (CASE WHEN total > 0 THEN counts[i] ELSE 1 END) / (CASE WHEN total > 0 THEN total ELSE n END) AS exact
    FROM x
), z AS (
    SELECT *,
        floor(exact) AS base,
        raw - sum(floor(exact)) OVER (PARTITION BY file, "row") AS remainder,
        row_number() OVER (PARTITION BY file, "row" ORDER BY exact - floor(exact) DESC, i) AS k
    FROM y
)
SELECT file, "row", place_id, date, CAST(visits AS DOUBLE) AS visits,
    CAST(base + CASE WHEN k <= remainder THEN 1 ELSE 0 END AS BIGINT) AS raw_visits
FROM z
