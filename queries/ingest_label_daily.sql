-- Exact rollup of visits per label (category, region, brand) and day, written at ingest beside place_daily.
-- params: none
-- reads: label_sums_category, label_sums_region, label_sums_brand
-- The three parts made by ingest_label_day_sums, in one file. A comparison by one of these labels reads it
-- (agg_scope_date_labels) instead of joining every place-day to its place.
SELECT kind, value, date, visits, raw_visits FROM label_sums_category
UNION ALL
SELECT kind, value, date, visits, raw_visits FROM label_sums_region
UNION ALL
SELECT kind, value, date, visits, raw_visits FROM label_sums_brand
ORDER BY kind, value, date
