-- Counts of rule violations and coverage of an incoming visits file, in one pass.
-- params: none
-- reads: visits_flags (from contract_visits_flags)
SELECT
    count(*) AS rows,
    count(*) FILTER (WHERE f_place_id_empty) AS place_id_empty,
    count(*) FILTER (WHERE f_date_missing) AS date_missing,
    count(*) FILTER (WHERE f_date_invalid) AS date_invalid,
    count(*) FILTER (WHERE f_date_not_plain) AS date_not_plain,
    count(*) FILTER (WHERE f_date_out_of_range) AS date_out_of_range,
    count(*) FILTER (WHERE f_source_empty) AS source_empty,
    count(*) FILTER (WHERE f_visits_missing) AS visits_missing,
    count(*) FILTER (WHERE f_visits_not_number) AS visits_not_number,
    count(*) FILTER (WHERE f_visits_not_finite) AS visits_not_finite,
    count(*) FILTER (WHERE f_visits_negative) AS visits_negative,
    count(*) FILTER (WHERE f_visits_too_large) AS visits_too_large,
    count(*) FILTER (WHERE f_raw_visits_not_integer) AS raw_visits_not_integer,
    count(*) FILTER (WHERE f_raw_visits_negative) AS raw_visits_negative,
    count(*) FILTER (WHERE f_raw_visits_too_large) AS raw_visits_too_large,
    count(too_long_column) AS string_too_long,
    string_agg(DISTINCT too_long_column, ', ' ORDER BY too_long_column) AS string_too_long_columns,
    min(date) AS first_date,
    max(date) AS last_date,
    count(raw_visits) AS raw_visits_rows,
    -- For the per-release limit only, so a lower bound is enough (a release over it is over the limit for
    -- sure): each row rounded down, summed exactly as integers (a float sum over every row cost 0.4 s per
    -- 18 M rows; this ~0.05 s). Non-finite rows cast to NULL and are refused by their own rule.
    sum(TRY_CAST(floor(visits) AS HUGEINT)) AS visits_total
FROM visits_flags
