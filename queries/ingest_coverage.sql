-- Sources and segments present in incoming visits, for the release manifest.
-- params: none
-- reads: visits_names (from contract_visits_names)
SELECT 'source' AS kind, source AS value FROM visits_names GROUP BY source
UNION ALL
SELECT 'segment' AS kind, segment AS value FROM visits_names GROUP BY segment
ORDER BY kind, value
