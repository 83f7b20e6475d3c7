-- Brand shares (%) of one scope's visits in both releases.
-- params: scope_id
-- reads: sp_a, sp_b
WITH a AS (SELECT brand, fsum(visits) AS v FROM sp_a WHERE scope_id = $scope_id GROUP BY brand),
b AS (SELECT brand, fsum(visits) AS v FROM sp_b WHERE scope_id = $scope_id GROUP BY brand)
SELECT COALESCE(a.brand, b.brand) AS brand,
       COALESCE(a.v, 0) AS visits_current,
       COALESCE(b.v, 0) AS visits_candidate,
       100 * COALESCE(a.v, 0) / NULLIF(sum(a.v) OVER (), 0) AS share_current_pct,
       100 * COALESCE(b.v, 0) / NULLIF(sum(b.v) OVER (), 0) AS share_candidate_pct
FROM a FULL OUTER JOIN b ON a.brand = b.brand
ORDER BY visits_current DESC, brand
