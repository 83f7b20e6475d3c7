-- Exact rollup of visits per label (category, region, brand) and day, written at ingest beside place_daily.
-- params: none
-- reads: daily_in, places_in
-- A comparison by one of these labels reads it (agg_scope_date_labels) instead of joining every place-day to
-- its place: the same compensated sums (fsum) over the same place-day totals as agg_scope_date_places, so the
-- same figures. A null brand is "(independent)", as in scope_members_by_attribute; one pass, three groupings.
SELECT CASE WHEN GROUPING(category) = 0 THEN 'category' WHEN GROUPING(region) = 0 THEN 'region' ELSE 'brand' END
           AS kind,
       COALESCE(category, region, brand) AS value,
       date,
       fsum(visits) AS visits,
       CAST(sum(raw_visits) AS BIGINT) AS raw_visits
FROM (
    SELECT d.date, d.visits, d.raw_visits, p.category, p.region, COALESCE(p.brand, '(independent)') AS brand
    FROM daily_in AS d
    JOIN places_in AS p ON p.place_id = d.place_id
) AS labelled
GROUP BY GROUPING SETS ((category, date), (region, date), (brand, date))
ORDER BY kind, value, date
