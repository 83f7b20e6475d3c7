-- The places of one release in one range of place ids (place_id from $lo, up to $hi excluded; '' leaves that end
-- open: dashboard/engine/place_ranges.py), with their names: the place scopes of a comparison by place, a range
-- at a time.
-- params: lo, hi
-- reads: places_in
SELECT place_id, name FROM places_in
WHERE place_id >= $lo AND ($hi = '' OR place_id < $hi)
