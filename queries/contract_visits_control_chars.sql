-- Sources and segments of incoming visits that hold a control character (C0, DEL or C1).
-- params: limit
-- reads: visits_names (from contract_visits_names)
-- Checked on the distinct values, not per row: a few sources and segments over millions of rows. A visits
-- place_id must exist in the places table, whose ids are checked there.
WITH names AS (
    SELECT DISTINCT 'source' AS column_name, source AS value FROM visits_names
    UNION
    SELECT DISTINCT 'segment' AS column_name, segment AS value FROM visits_names
)
SELECT column_name, value
FROM names
WHERE regexp_matches(value, '[\x00-\x1f\x7f-\x9f]')
ORDER BY column_name, value
LIMIT $limit
