-- The places that entered or left some prepared scopes, with their names and labels in both releases: the
-- places a cause names (dashboard/attribution/moved_places.py).
-- params: scope_ids
-- reads: sp_a, sp_b, places_a, places_b
-- status: added (in the scope in the candidate only) or dropped (in the current only); in_current / in_candidate
-- say whether the place is listed at all in that release's places table (a place that is listed in both but
-- changed scope was relabelled). visits: the place's window total in the release that has it in the scope.
WITH a AS (SELECT scope_id, place_id, visits FROM sp_a WHERE list_contains($scope_ids, scope_id)),
b AS (SELECT scope_id, place_id, visits FROM sp_b WHERE list_contains($scope_ids, scope_id)),
moved AS (
    SELECT COALESCE(a.scope_id, b.scope_id) AS scope_id,
           COALESCE(a.place_id, b.place_id) AS place_id,
           CASE WHEN a.place_id IS NULL THEN 'added' ELSE 'dropped' END AS status,
           COALESCE(b.visits, a.visits, 0) AS visits
    FROM a
    FULL OUTER JOIN b ON a.scope_id = b.scope_id AND a.place_id = b.place_id
    WHERE a.place_id IS NULL OR b.place_id IS NULL
)
SELECT m.scope_id, m.place_id, m.status, m.visits,
       COALESCE(pb.name, pa.name) AS name,
       COALESCE(pb.brand, pa.brand, '(independent)') AS brand,
       COALESCE(pb.region, pa.region) AS region,
       pa.category AS category_current,
       pb.category AS category_candidate,
       pa.place_id IS NOT NULL AS in_current,
       pb.place_id IS NOT NULL AS in_candidate
FROM moved AS m
LEFT JOIN places_a AS pa ON pa.place_id = m.place_id
LEFT JOIN places_b AS pb ON pb.place_id = m.place_id
ORDER BY m.scope_id, m.visits DESC, m.place_id
