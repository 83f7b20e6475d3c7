-- Counts of rule violations in an incoming places table, in one pass.
-- params: none
-- reads: places_flags (from contract_places_flags)
SELECT
    count(*) AS rows,
    count(*) FILTER (WHERE f_place_id_empty) AS place_id_empty,
    count(*) FILTER (WHERE f_category_empty) AS category_empty,
    count(*) FILTER (WHERE f_region_empty) AS region_empty,
    count(*) FILTER (WHERE f_latitude_range) AS latitude_range,
    count(*) FILTER (WHERE f_longitude_range) AS longitude_range,
    count(too_long_column) AS string_too_long,
    string_agg(DISTINCT too_long_column, ', ' ORDER BY too_long_column) AS string_too_long_columns,
    count(control_column) AS control_chars,
    string_agg(DISTINCT control_column, ', ' ORDER BY control_column) AS control_chars_columns,
    count(*) - count(DISTINCT place_id) AS place_id_duplicate
FROM places_flags
