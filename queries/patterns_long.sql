-- The weekly rows exploded to one row per place and day (the raw counts already spread by patterns_rows).
-- In place and date order: the weekly rows are sorted (a few per place), and the days of a week follow in order,
-- so a snapshot of weeks that do not overlap needs no sort of its days (ingest's read_checked_snapshot).
-- Unnests side by side are zipped, a shorter or NULL list padded with NULLs: no raw_days, NULL raw visits.
-- params: none
-- reads: pat_parsed (from patterns_parsed, only rows that break no rule)
-- raw_is_counts: the whole counts are the raw visits (patterns_rows leaves raw_days NULL then).
SELECT file, place_id, date, visits, CASE WHEN raw_is_counts THEN CAST(visits AS BIGINT) ELSE raw_spread END AS raw_visits
FROM (
    SELECT file, place_key AS place_id, week_start + CAST(unnest(range(len(counts))) AS INTEGER) AS date,
        unnest(counts) AS visits, unnest(raw_days) AS raw_spread, raw_is_counts
    FROM (SELECT file, place_key, week_start, counts, raw_days, raw_is_counts FROM pat_parsed ORDER BY place_key, week_start)
)
