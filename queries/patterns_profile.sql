-- Per file: rows, broken rules counted, week starts by weekday (Sunday- or Monday-based weeks).
-- params: none
-- reads: pat_parsed (from patterns_parsed)
SELECT
    file,
    count(*) AS rows,
    count(*) FILTER (WHERE f_key_empty) AS key_empty,
    count(*) FILTER (WHERE f_start_invalid) AS start_invalid,
    count(*) FILTER (WHERE f_end_invalid) AS end_invalid,
    count(*) FILTER (WHERE f_json_malformed) AS json_malformed,
    count(*) FILTER (WHERE f_counts_not_number) AS counts_not_number,
    count(*) FILTER (WHERE f_counts_negative) AS counts_negative,
    count(*) FILTER (WHERE f_counts_not_finite) AS counts_not_finite,
    count(*) FILTER (WHERE f_length_mismatch) AS length_mismatch,
    count(*) FILTER (WHERE f_raw_invalid) AS raw_invalid,
    count(*) FILTER (WHERE f_brands_malformed) AS brands_malformed,
    count(*) FILTER (WHERE f_category_empty) AS category_empty,
    count(*) FILTER (WHERE f_region_empty) AS region_empty,
    count(*) FILTER (WHERE f_latitude_range) AS latitude_range,
    count(*) FILTER (WHERE f_longitude_range) AS longitude_range,
    list(DISTINCT dayname(week_start) ORDER BY dayname(week_start)) FILTER (WHERE week_start IS NOT NULL) AS week_starts,
    count(raw_visit_counts) AS raw_rows
FROM pat_parsed
GROUP BY file
ORDER BY file
