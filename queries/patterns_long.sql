-- The weekly rows exploded to one row per place and day (the raw counts already spread by patterns_rows).
-- params: none
-- reads: pat_parsed (from patterns_rows, only rows that break no rule)
SELECT file, place_key AS place_id, week_start + CAST(unnest(range(len(counts))) AS INTEGER) AS date,
    unnest(counts) AS visits, unnest(coalesce(raw_days, list_transform(counts, lambda x: NULL::BIGINT))) AS raw_visits
FROM pat_parsed
