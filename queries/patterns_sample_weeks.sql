-- A release snapshot written back as weekly patterns rows: one per place and 7-day week from the first date,
-- the sources and segments summed (patterns carry one blended source), missing days as 0, the last week short
-- when the release ends mid-week (its date_range_end says so).
-- brands: a JSON list of the brand and the other_brands.
-- params: none
-- reads: sample_visits, sample_places (a release snapshot's visits and places)
WITH daily AS (
    SELECT place_id, date, fsum(visits) AS visits, sum(raw_visits) AS raw
    FROM sample_visits
    GROUP BY place_id, date
), b AS (
    SELECT min(date) AS first_date, max(date) AS last_date FROM daily
), pw AS (
    SELECT DISTINCT place_id, CAST(date_diff('day', b.first_date, date) // 7 AS INTEGER) AS week FROM daily, b
), grid AS (
    SELECT pw.place_id, pw.week, o, b.first_date + pw.week * 7 + CAST(o AS INTEGER) AS date
    FROM pw, b, range(7) r(o)
    WHERE b.first_date + pw.week * 7 + CAST(o AS INTEGER) <= b.last_date
), weeks AS (
    SELECT g.place_id, min(g.date) AS week_start, max(g.date) + 1 AS week_end,
        list(coalesce(d.visits, 0) ORDER BY g.o) AS counts, sum(d.raw) AS raw_visit_counts
    FROM grid g LEFT JOIN daily d ON d.place_id = g.place_id AND d.date = g.date
    GROUP BY g.place_id, g.week
)
SELECT
    w.place_id AS placekey, p.parent_place_id AS parent_placekey, p.name AS location_name,
    CASE WHEN p.brand IS NULL THEN ''
        ELSE CAST(to_json(list_concat([p.brand], coalesce(string_split(p.other_brands, ', '), []))) AS VARCHAR)
    END AS brands,
    p.category AS top_category, p.sub_category, p.region, p.city, p.latitude, p.longitude,
    strftime(w.week_start, '%Y-%m-%dT00:00:00-05:00') AS date_range_start,
    strftime(w.week_end, '%Y-%m-%dT00:00:00-05:00') AS date_range_end,
    w.raw_visit_counts,
    CAST(to_json(w.counts) AS VARCHAR) AS visits_by_day
FROM weeks w JOIN sample_places p ON p.place_id = w.place_id
ORDER BY w.week_start, w.place_id
