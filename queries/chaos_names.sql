-- Chaos: the place attributes a release's scenarios may refer to (regions, categories, brands).
-- params: places
-- reads: query_table($places) (a places table)
SELECT 'region' AS kind, region AS value FROM query_table($places) GROUP BY region
UNION ALL
SELECT 'category' AS kind, category AS value FROM query_table($places) GROUP BY category
UNION ALL
SELECT 'brand' AS kind, brand AS value FROM query_table($places) WHERE brand IS NOT NULL GROUP BY brand
ORDER BY kind, value
