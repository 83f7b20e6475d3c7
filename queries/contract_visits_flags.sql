-- Incoming visits with one boolean column per contract rule (DESIGN section 3).
-- params: max_len, max_visits, first_date, last_date
-- reads: src_visits (place_id, date, source, visits, raw_visits, segment, as delivered; absent optional columns are NULL)
SELECT
    CAST(place_id AS VARCHAR) AS place_id,
    CAST(date AS VARCHAR) AS date_text,
    TRY_CAST(date AS DATE) AS date,
    CAST(source AS VARCHAR) AS source,
    CAST(visits AS VARCHAR) AS visits_text,
    TRY_CAST(visits AS DOUBLE) AS visits,
    CAST(raw_visits AS VARCHAR) AS raw_visits_text,
    CAST(TRY_CAST(raw_visits AS DOUBLE) AS BIGINT) AS raw_visits,
    COALESCE(NULLIF(CAST(segment AS VARCHAR), ''), 'all') AS segment,
    (place_id IS NULL OR CAST(place_id AS VARCHAR) = '') AS f_place_id_empty,
    (date IS NULL) AS f_date_missing,
    (date IS NOT NULL AND TRY_CAST(date AS DATE) IS NULL) AS f_date_invalid,
    -- A timestamp (or 'infinity') in a text column casts to a date silently; the contract wants the day as
    -- written. Only text is matched (typeof is constant): a Parquet DATE column skips the regex.
    (typeof(date) = 'VARCHAR' AND TRY_CAST(date AS DATE) IS NOT NULL
        AND NOT regexp_full_match(CAST(date AS VARCHAR), '[0-9]{4}-[0-9]{2}-[0-9]{2}')) AS f_date_not_plain,
    (TRY_CAST(date AS DATE) IS NOT NULL
        AND NOT (typeof(date) = 'VARCHAR' AND NOT regexp_full_match(CAST(date AS VARCHAR), '[0-9]{4}-[0-9]{2}-[0-9]{2}'))
        AND NOT TRY_CAST(date AS DATE) BETWEEN CAST($first_date AS DATE) AND CAST($last_date AS DATE)) AS f_date_out_of_range,
    (source IS NULL OR CAST(source AS VARCHAR) = '') AS f_source_empty,
    (visits IS NULL) AS f_visits_missing,
    (visits IS NOT NULL AND TRY_CAST(visits AS DOUBLE) IS NULL) AS f_visits_not_number,
    (TRY_CAST(visits AS DOUBLE) IS NOT NULL AND NOT isfinite(TRY_CAST(visits AS DOUBLE))) AS f_visits_not_finite,
    (TRY_CAST(visits AS DOUBLE) < 0) AS f_visits_negative,
    (isfinite(TRY_CAST(visits AS DOUBLE)) AND TRY_CAST(visits AS DOUBLE) > $max_visits) AS f_visits_too_large,
    (raw_visits IS NOT NULL AND (TRY_CAST(raw_visits AS DOUBLE) IS NULL
        OR NOT isfinite(TRY_CAST(raw_visits AS DOUBLE))
        OR TRY_CAST(raw_visits AS DOUBLE) <> floor(TRY_CAST(raw_visits AS DOUBLE)))) AS f_raw_visits_not_integer,
    (TRY_CAST(raw_visits AS DOUBLE) < 0) AS f_raw_visits_negative,
    (isfinite(TRY_CAST(raw_visits AS DOUBLE)) AND TRY_CAST(raw_visits AS DOUBLE) > $max_visits) AS f_raw_visits_too_large,
    CASE
        WHEN length(CAST(place_id AS VARCHAR)) > $max_len THEN 'place_id'
        WHEN length(CAST(source AS VARCHAR)) > $max_len THEN 'source'
        WHEN length(CAST(segment AS VARCHAR)) > $max_len THEN 'segment'
    END AS too_long_column
FROM src_visits
