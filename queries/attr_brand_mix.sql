-- Places and window visits of each brand (null = '(independent)') of one scope in both releases, for the mix/rate split.
-- params: scope_id
-- reads: sp_a, sp_b
WITH a AS (SELECT brand, count(*) AS places, fsum(visits) AS visits FROM sp_a WHERE scope_id = $scope_id GROUP BY brand),
b AS (SELECT brand, count(*) AS places, fsum(visits) AS visits FROM sp_b WHERE scope_id = $scope_id GROUP BY brand)
SELECT COALESCE(a.brand, b.brand) AS brand,
       COALESCE(a.places, 0) AS places_current,
       COALESCE(a.visits, 0) AS visits_current,
       COALESCE(b.places, 0) AS places_candidate,
       COALESCE(b.visits, 0) AS visits_candidate
FROM a FULL OUTER JOIN b ON a.brand = b.brand
ORDER BY brand
