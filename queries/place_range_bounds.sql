-- Where each range of places after the first begins: $ranges ranges of about equal counts in place_id
-- order, which a big release's per-place aggregates run one after another (dashboard/engine/place_ranges.py).
-- params: ranges
-- reads: places_in
SELECT min(place_id) AS first_place_id
FROM (SELECT place_id, ntile($ranges) OVER (ORDER BY place_id) AS range_no FROM places_in)
WHERE range_no > 1
GROUP BY range_no
ORDER BY first_place_id
