-- Place-days given twice with different counts (overlapping weeks), with the two files and rows that disagree.
-- params: limit
-- reads: pat_long (from patterns_long)
SELECT
    place_id, date,
    arg_min(file, (file, "row")) AS first_file, arg_min("row", (file, "row")) AS first_row,
    arg_min(visits, (file, "row")) AS first_visits, arg_min(raw_visits, (file, "row")) AS first_raw,
    arg_max(file, (file, "row")) AS second_file, arg_max("row", (file, "row")) AS second_row,
    arg_max(visits, (file, "row")) AS second_visits, arg_max(raw_visits, (file, "row")) AS second_raw
FROM pat_long
GROUP BY place_id, date
HAVING count(*) > 1 AND (min(visits) <> max(visits) OR min(raw_visits) <> max(raw_visits)
    OR count(raw_visits) NOT IN (0, count(*)))
ORDER BY place_id, date
LIMIT $limit
