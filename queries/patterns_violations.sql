-- The first rows of one file that break one rule, with the offending value.
-- params: rule, file, limit
-- reads: pat_examples (patterns_rows over one file, its rows numbered)
SELECT
    "row",
    place_key,
    CASE $rule
        WHEN 'key_empty' THEN place_key
        WHEN 'start_invalid' THEN date_range_start
        WHEN 'end_invalid' THEN date_range_end
        WHEN 'length_mismatch' THEN date_range_start || ' .. ' || coalesce(date_range_end, '(no end: one week)')
            || ': ' || CAST(len(counts) AS VARCHAR) || ' days in ' || visits_by_day
        WHEN 'raw_invalid' THEN raw_visit_counts_text
        WHEN 'brands_malformed' THEN brands
        WHEN 'category_empty' THEN top_category
        WHEN 'region_empty' THEN region
        WHEN 'latitude_range' THEN CAST(latitude AS VARCHAR)
        WHEN 'longitude_range' THEN CAST(longitude AS VARCHAR)
        ELSE visits_by_day
    END AS value
FROM pat_examples
WHERE file = $file AND CASE $rule
    WHEN 'key_empty' THEN f_key_empty
    WHEN 'start_invalid' THEN f_start_invalid
    WHEN 'end_invalid' THEN f_end_invalid
    WHEN 'json_malformed' THEN f_json_malformed
    WHEN 'counts_not_number' THEN f_counts_not_number
    WHEN 'counts_negative' THEN f_counts_negative
    WHEN 'counts_not_finite' THEN f_counts_not_finite
    WHEN 'length_mismatch' THEN f_length_mismatch
    WHEN 'raw_invalid' THEN f_raw_invalid
    WHEN 'brands_malformed' THEN f_brands_malformed
    WHEN 'category_empty' THEN f_category_empty
    WHEN 'region_empty' THEN f_region_empty
    WHEN 'latitude_range' THEN f_latitude_range
    WHEN 'longitude_range' THEN f_longitude_range
    ELSE false
END
ORDER BY "row"
LIMIT $limit
