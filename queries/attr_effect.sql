-- One scope's delta split by effect: visits of places only in the candidate, only in the current, and the change on both.
-- params: scope_id
-- reads: sp_a, sp_b
-- total delta = added_places - dropped_places + common_places (dropped_places is a positive visit count).
WITH a AS (SELECT place_id, fsum(visits) AS v FROM sp_a WHERE scope_id = $scope_id GROUP BY place_id),
b AS (SELECT place_id, fsum(visits) AS v FROM sp_b WHERE scope_id = $scope_id GROUP BY place_id)
SELECT
    COALESCE(fsum(CASE WHEN a.place_id IS NULL THEN b.v END), 0) AS added_places,
    COALESCE(fsum(CASE WHEN b.place_id IS NULL THEN a.v END), 0) AS dropped_places,
    COALESCE(fsum(CASE WHEN a.place_id IS NOT NULL AND b.place_id IS NOT NULL THEN b.v - a.v END), 0)
        AS common_places,
    COALESCE(fsum(CASE WHEN a.place_id IS NOT NULL AND b.place_id IS NOT NULL THEN a.v END), 0)
        AS common_visits_current,
    COALESCE(fsum(CASE WHEN a.place_id IS NOT NULL AND b.place_id IS NOT NULL THEN b.v END), 0)
        AS common_visits_candidate,
    count(*) FILTER (WHERE a.place_id IS NULL) AS places_added,
    count(*) FILTER (WHERE b.place_id IS NULL) AS places_dropped,
    count(*) FILTER (WHERE a.place_id IS NOT NULL AND b.place_id IS NOT NULL) AS places_common
FROM a FULL OUTER JOIN b ON a.place_id = b.place_id
