-- Sources and segments present in a visits relation, for the release manifest.
-- params: none
-- reads: visits_flags
SELECT 'source' AS kind, source AS value FROM visits_flags GROUP BY source
UNION ALL
SELECT 'segment' AS kind, segment AS value FROM visits_flags GROUP BY segment
ORDER BY kind, value
