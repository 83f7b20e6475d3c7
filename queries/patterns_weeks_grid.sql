-- Whether every place has every week exactly once and the weeks follow each other back to back: then no place's
-- weeks overlap or leave a hole, and patterns_place_weeks (a window over every weekly row, the cost) has
-- nothing to find. The common delivery: one file per week, every place in each.
-- params: none
-- reads: pat_parsed (from patterns_parsed, rows that break no rule: a start, at least one day)
WITH w AS (
    SELECT DISTINCT week_start AS s, week_start + CAST(len(counts) AS INTEGER) AS e FROM pat_parsed
), c AS (
    SELECT s, e, lag(e) OVER (ORDER BY s, e) AS prev_e FROM w
), k AS (
    SELECT count(*) AS rows, count(DISTINCT place_key) AS places, count(DISTINCT (place_key, week_start)) AS place_weeks
    FROM pat_parsed
)
SELECT coalesce(
    (SELECT count(*) FROM w) = (SELECT count(DISTINCT s) FROM w)
    AND (SELECT count(*) FROM c WHERE prev_e IS NOT NULL AND s <> prev_e) = 0
    AND k.rows = k.places * (SELECT count(*) FROM w)
    AND k.place_weeks = k.rows, false) AS full_grid
FROM k
