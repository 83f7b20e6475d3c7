-- Distinct categories, regions and brands (null brand as "(independent)") of one release's places, in one scan.
-- params: none
-- reads: places_in
-- What scope_values gives for each of these three kinds, one query instead of three: kind names the attribute.
SELECT CASE WHEN GROUPING(category) = 0 THEN 'category' WHEN GROUPING(region) = 0 THEN 'region' ELSE 'brand' END
           AS kind,
       COALESCE(category, region, brand) AS value
FROM (SELECT category, region, COALESCE(brand, '(independent)') AS brand FROM places_in) AS p
GROUP BY GROUPING SETS ((category), (region), (brand))
