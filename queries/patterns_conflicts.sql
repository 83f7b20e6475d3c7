-- Place-days given twice with different counts (overlapping weeks), with two files that disagree.
-- params: limit
-- reads: pat_long (from patterns_long)
SELECT
    place_id, date,
    arg_min(file, (visits, raw_visits, file)) AS first_file, min(visits) AS first_visits,
    arg_min(raw_visits, (visits, raw_visits, file)) AS first_raw,
    arg_max(file, (visits, raw_visits, file)) AS second_file, max(visits) AS second_visits,
    arg_max(raw_visits, (visits, raw_visits, file)) AS second_raw
FROM pat_long
GROUP BY place_id, date
HAVING count(*) > 1 AND (min(visits) <> max(visits) OR min(raw_visits) <> max(raw_visits)
    OR count(raw_visits) NOT IN (0, count(*)))
ORDER BY place_id, date
LIMIT $limit
