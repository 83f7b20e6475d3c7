-- Weekly patterns rows parsed: the week's first local day, the daily counts, raw_visit_counts spread to the
-- days, brands split, and a flag per broken rule.
-- params: none
-- reads: pat_rows (the files' rows as text, from dashboard/store/patterns_read.py)
-- raw_days: the days' raw visits, NULL when raw_is_counts (the counts are whole and add up to raw_visit_counts:
-- they are the raw visits themselves, patterns_long takes them from the counts instead of a copy per row).
-- raw_visit_counts is spread in proportion to visits_by_day (evenly when the week has no visits) by largest
-- remainder, so each week keeps its integer total: the days' floors, plus one for the days with the largest
-- fractions (ties: the earlier day), as many as the floors fall short.
-- date_range_start/end come as ISO date-times with an offset (the local date is the first 10 characters), as ISO
-- dates, or as epoch seconds (the nearest midnight: right for local midnights at offsets within ±12 hours).
-- A date-time end at 00:00 is exclusive (SafeGraph: the next Monday 00:00); any other time of day is inclusive;
-- a date-only end may be either. Without date_range_end the array must hold one week.
-- The ISO shapes are told apart by GLOB (no regular expression: it costs a tenth of the parse per row), an epoch
-- by a regular expression only when the value has no ISO date shape (a date shape is never epoch seconds); the
-- usual end, a midnight with an offset, by GLOB too. Valid JSON starting with '[' is an array (no second parse).
WITH t AS (
    SELECT *,
        trim(date_range_start) AS s,
        nullif(trim(date_range_end), '') AS e,
        trim(visits_by_day) AS vbd,
        nullif(trim(raw_visit_counts), '') AS rvc,
        nullif(trim(brands), '') AS br
    FROM pat_rows
), p AS (
    SELECT *,
        CASE
            WHEN s GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*' THEN try_cast(left(s, 10) AS DATE)
            WHEN regexp_full_match(s, '-?[0-9]{1,11}(\.[0-9]*)?')
                THEN DATE '1970-01-01' + CAST(floor((CAST(s AS DOUBLE) + 43200) / 86400) AS INTEGER)
        END AS week_start,
        CASE
            WHEN e IS NULL THEN NULL
            WHEN e GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' THEN try_cast(e AS DATE)
            WHEN NOT e GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][T ]*'
                THEN CASE WHEN regexp_full_match(e, '-?[0-9]{1,11}(\.[0-9]*)?')
                    THEN DATE '1970-01-01' + CAST(floor((CAST(e AS DOUBLE) + 43200) / 86400) AS INTEGER) END
            WHEN e GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][T ]00:00:00[+-]*'
                OR regexp_matches(e, '^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ]00:00(:00(\.0*)?)?([+-Z]|$)')
                THEN try_cast(left(e, 10) AS DATE)
            ELSE try_cast(left(e, 10) AS DATE) + 1
        END AS week_end,
        coalesce(e GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]', false) AS end_date_only,
        coalesce(CASE WHEN starts_with(vbd, '[') THEN json_valid(vbd)
            WHEN json_valid(vbd) THEN json_type(vbd) = 'ARRAY' END, false) AS is_array,
        try_cast(rvc AS DOUBLE) AS raw_number,
        CASE WHEN starts_with(br, '[') AND json_valid(br) THEN try_cast(try_cast(br AS JSON) AS VARCHAR[]) END
            AS brand_json
    FROM t
), b AS (
    SELECT *,
        CASE
            WHEN br IS NULL OR br IN ('[]', 'null', 'None') THEN []::VARCHAR[]
            WHEN starts_with(br, '[') AND json_valid(br) THEN list_filter(
                list_transform(brand_json, lambda x: trim(x)), lambda x: x <> '')
            ELSE list_filter(list_transform(string_split(br, ','), lambda x: trim(x)), lambda x: x <> '')
        END AS brand_list
    FROM p
), a AS (
    SELECT *,
        CASE WHEN is_array THEN try_cast(try_cast(vbd AS JSON) AS DOUBLE[]) END AS counts,
        date_diff('day', week_start, week_end) AS range_days
    FROM b
), totals AS (
    -- A week whose counts are whole and add up to raw_visit_counts (SafeGraph's raw visits_by_day) is its own
    -- spread (the largest remainder gives the counts back), so the spread is not computed for it.
    SELECT *,
        list_sum(counts) AS total,
        coalesce(raw_number = list_sum(counts) AND list_bool_and(list_transform(counts, lambda x: x = floor(x))), false)
            AS raw_is_counts
    FROM a
), spread AS (
    SELECT *,
        CASE WHEN raw_number IS NOT NULL AND list_count(counts) = len(counts) AND len(counts) > 0 AND NOT raw_is_counts THEN
            CASE WHEN total > 0
                THEN list_transform(counts, lambda x: raw_number * x / total)
                ELSE list_transform(counts, lambda x: raw_number / len(counts))
            END
        END AS exact
    FROM totals
), r AS (
    SELECT *,
        list_grade_up(list_grade_up(list_transform(exact, lambda x: floor(x) - x))) AS fraction_rank,
        raw_number - list_sum(list_transform(exact, lambda x: floor(x))) AS short_by
    FROM spread
)
SELECT
    file, "row", place_key, week_start, counts,
    CAST(raw_number AS BIGINT) AS raw_visit_counts,
    CASE WHEN NOT raw_is_counts THEN
        list_transform(exact, lambda x, i: CAST(floor(x) + CASE WHEN fraction_rank[i] <= short_by THEN 1 ELSE 0 END AS BIGINT))
    END AS raw_days,
    raw_is_counts,
    location_name, brand_list[1] AS brand, array_to_string(brand_list[2:], ', ') AS other_brands,
    top_category, sub_category, region, city, try_cast(latitude AS DOUBLE) AS latitude,
    try_cast(longitude AS DOUBLE) AS longitude, parent_placekey, absent,
    date_range_start, date_range_end, visits_by_day, raw_visit_counts AS raw_visit_counts_text, brands,
    coalesce(trim(place_key), '') = '' AS f_key_empty,
    (week_start IS NULL OR week_start NOT BETWEEN DATE '1990-01-01' AND DATE '2100-01-01') AS f_start_invalid,
    (e IS NOT NULL AND week_start IS NOT NULL AND (week_end IS NULL OR week_end <= week_start)) AS f_end_invalid,
    NOT is_array AS f_json_malformed,
    (is_array AND (counts IS NULL OR list_count(counts) < len(counts))) AS f_counts_not_number,
    coalesce(list_min(counts) < 0, false) AS f_counts_negative,
    coalesce(list_min(counts) = '-inf'::DOUBLE OR list_max(counts) IN ('inf'::DOUBLE, 'nan'::DOUBLE), false)
        AS f_counts_not_finite,
    (counts IS NOT NULL AND week_start IS NOT NULL AND CASE
        WHEN e IS NULL THEN len(counts) <> 7
        WHEN range_days IS NULL THEN false
        WHEN end_date_only THEN len(counts) NOT IN (range_days, range_days + 1)
        ELSE len(counts) <> range_days
    END) AS f_length_mismatch,
    (rvc IS NOT NULL AND (raw_number IS NULL OR raw_number < 0 OR raw_number <> floor(raw_number)))
        AS f_raw_invalid,
    (br IS NOT NULL AND starts_with(br, '[') AND br <> '[]' AND (NOT json_valid(br) OR brand_json IS NULL))
        AS f_brands_malformed,
    coalesce(trim(top_category), '') = '' AS f_category_empty,
    coalesce(trim(region), '') = '' AS f_region_empty,
    (nullif(trim(latitude), '') IS NOT NULL AND coalesce(abs(try_cast(latitude AS DOUBLE)) > 90, true)) AS f_latitude_range,
    (nullif(trim(longitude), '') IS NOT NULL AND coalesce(abs(try_cast(longitude AS DOUBLE)) > 180, true))
        AS f_longitude_range
FROM r
