-- Visits per value of one label (category, region or brand) and day: one part of label_daily.parquet.
-- params: attribute
-- reads: daily_in, places_in
-- The same compensated sums (fsum) over the same place-day totals as agg_scope_date_places, so a comparison
-- by a label gets the same figures from the rollup. A null brand is "(independent)", as in
-- scope_members_by_attribute. One label per query: three aggregates at once do not fit a small budget.
SELECT kind, value, date, fsum(visits) AS visits, CAST(sum(raw_visits) AS BIGINT) AS raw_visits
FROM (
    SELECT $attribute AS kind,
           CASE $attribute
               WHEN 'category' THEN p.category
               WHEN 'region' THEN p.region
               WHEN 'brand' THEN COALESCE(p.brand, '(independent)')
           END AS value,
           d.date, d.visits, d.raw_visits
    FROM daily_in AS d
    JOIN places_in AS p ON p.place_id = d.place_id
) AS labelled
GROUP BY kind, value, date
