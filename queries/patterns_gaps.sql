-- Runs of days between the first and last imported day that no file covers for any place.
-- params: none
-- reads: pat_long (from patterns_long)
WITH d AS (SELECT DISTINCT date FROM pat_long),
span AS (
    SELECT CAST(unnest(generate_series(min(date), max(date), INTERVAL 1 DAY)) AS DATE) AS date FROM d
),
missing AS (
    SELECT date, date - CAST(row_number() OVER (ORDER BY date) AS INTEGER) AS run
    FROM span WHERE date NOT IN (SELECT date FROM d)
)
SELECT min(date) AS gap_start, max(date) AS gap_end, count(*) AS days
FROM missing
GROUP BY run
ORDER BY gap_start
