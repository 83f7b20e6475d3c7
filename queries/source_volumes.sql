-- Visits per upstream source of one release, the largest first: the chaos lab sweeps the largest by default.
-- params: none
-- reads: visits_in
SELECT source, fsum(visits) AS visits
FROM visits_in
GROUP BY source
ORDER BY visits DESC, source
