-- Per scope: mean absolute weekly growth difference (pp) and growth sign agreement over growth pairs.
-- params: small_pct
-- reads: weekly_series (from series_weekly)
-- A growth within 1e-9 pp of 0 has sign 0 (rounding noise of equal weekly totals is no direction).
SELECT scope_id,
       avg(abs(growth_candidate - growth_current) ORDER BY week) AS weekly_growth_mae_pp,
       avg(CASE WHEN (abs(growth_current) < $small_pct AND abs(growth_candidate) < $small_pct)
                  OR (CASE WHEN abs(growth_current) <= 1e-9 THEN 0 ELSE sign(growth_current) END)
                     = (CASE WHEN abs(growth_candidate) <= 1e-9 THEN 0 ELSE sign(growth_candidate) END)
                THEN 1.0 ELSE 0.0 END ORDER BY week) AS growth_sign_agreement,
       count(*) AS growth_pairs
FROM weekly_series
WHERE growth_current IS NOT NULL AND growth_candidate IS NOT NULL
GROUP BY scope_id
