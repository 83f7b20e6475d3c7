-- Every step-th place id in id order: the bounds of the ranges a big release's daily rollup is written in.
-- params: step
-- reads: places_typed
SELECT place_id
FROM (SELECT place_id, row_number() OVER (ORDER BY place_id) AS n FROM places_typed)
WHERE n % $step = 0
ORDER BY place_id
