-- Keys (place_id, date, source, segment) that occur more than once in incoming visits.
-- params: limit
-- reads: visits_flags (from contract_visits_flags)
SELECT place_id, date, source, segment, count(*) AS copies
FROM visits_flags
GROUP BY place_id, date, source, segment
HAVING count(*) > 1
ORDER BY place_id, date, source, segment
LIMIT $limit
