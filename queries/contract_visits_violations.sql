-- The first rows of an incoming visits file that break one named rule.
-- params: rule, limit
-- reads: visits_flags (from contract_visits_flags)
SELECT place_id, date_text AS date, source, visits_text AS visits, raw_visits_text AS raw_visits, segment
FROM visits_flags
WHERE CASE $rule
    WHEN 'place_id_empty' THEN f_place_id_empty
    WHEN 'date_missing' THEN f_date_missing
    WHEN 'date_invalid' THEN f_date_invalid
    WHEN 'date_not_plain' THEN f_date_not_plain
    WHEN 'date_out_of_range' THEN f_date_out_of_range
    WHEN 'source_empty' THEN f_source_empty
    WHEN 'visits_missing' THEN f_visits_missing
    WHEN 'visits_not_number' THEN f_visits_not_number
    WHEN 'visits_not_finite' THEN f_visits_not_finite
    WHEN 'visits_negative' THEN f_visits_negative
    WHEN 'visits_too_large' THEN f_visits_too_large
    WHEN 'raw_visits_not_integer' THEN f_raw_visits_not_integer
    WHEN 'raw_visits_negative' THEN f_raw_visits_negative
    WHEN 'raw_visits_too_large' THEN f_raw_visits_too_large
    WHEN 'string_too_long' THEN too_long_column IS NOT NULL
    ELSE false
END
LIMIT $limit
