-- Every place of one prepared scope with its window totals in both releases, for a scope's place table.
-- params: scope_id
-- reads: sp_a, sp_b, places_a, places_b
-- status: both, added (in the scope in the candidate only) or dropped (in the current only); the biggest
-- absolute deltas first.
WITH a AS (SELECT place_id, visits FROM sp_a WHERE scope_id = $scope_id),
b AS (SELECT place_id, visits FROM sp_b WHERE scope_id = $scope_id),
joined AS (
    SELECT COALESCE(b.place_id, a.place_id) AS place_id,
           a.visits AS visits_current,
           b.visits AS visits_candidate,
           COALESCE(b.visits, 0) - COALESCE(a.visits, 0) AS delta,
           CASE WHEN a.place_id IS NULL THEN 'added' WHEN b.place_id IS NULL THEN 'dropped' ELSE 'both' END AS status
    FROM a FULL OUTER JOIN b ON a.place_id = b.place_id
)
SELECT j.place_id,
       COALESCE(pb.name, pa.name) AS name,
       COALESCE(pb.brand, pa.brand, '(independent)') AS brand,
       pa.category AS category_current,
       pb.category AS category_candidate,
       COALESCE(pb.region, pa.region) AS region,
       j.visits_current,
       j.visits_candidate,
       j.delta,
       CASE WHEN j.visits_current > 0 THEN 100 * j.delta / j.visits_current END AS level_change_pct,
       j.status
FROM joined AS j
LEFT JOIN places_a AS pa ON pa.place_id = j.place_id
LEFT JOIN places_b AS pb ON pb.place_id = j.place_id
ORDER BY abs(j.delta) DESC, j.place_id
