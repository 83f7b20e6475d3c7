-- One pass over a checked snapshot's visits: its coverage, the rows breaking a cheap row rule (missing,
-- negative or non-finite values, over the per-row limit, a date outside the limits), and the release total.
-- params: max_visits, first_date, last_date
-- reads: visits_flags (from contract_visits_checked)
-- The key's uniqueness and the place ids' presence in places are the writer's word (read_checked_snapshot).
SELECT
    count(*) AS rows,
    count(*) FILTER (WHERE place_id IS NULL OR place_id = '' OR date IS NULL OR source IS NULL
        OR visits IS NULL OR NOT isfinite(visits) OR visits < 0 OR visits > $max_visits
        OR raw_visits < 0 OR raw_visits > $max_visits
        OR NOT date BETWEEN CAST($first_date AS DATE) AND CAST($last_date AS DATE)) AS broken,
    min(date) AS first_date,
    max(date) AS last_date,
    count(raw_visits) AS raw_visits_rows,
    list(DISTINCT source ORDER BY source) AS sources,
    list(DISTINCT segment ORDER BY segment) AS segments,
    sum(TRY_CAST(floor(visits) AS HUGEINT)) AS visits_total
FROM visits_flags
