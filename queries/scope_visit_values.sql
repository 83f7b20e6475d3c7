-- Distinct sources or segments present in one release's visits.
-- params: attribute
-- reads: visits_in
SELECT DISTINCT CASE $attribute WHEN 'source' THEN source ELSE segment END AS value
FROM visits_in
ORDER BY value
