-- The common window of two releases: later of the first dates to earlier of the last dates.
-- params: none
-- reads: daily_a, daily_b
SELECT
    greatest((SELECT min(date) FROM daily_a), (SELECT min(date) FROM daily_b)) AS start_date,
    least((SELECT max(date) FROM daily_a), (SELECT max(date) FROM daily_b)) AS end_date
