-- Per scope: mean absolute weekly growth difference (pp) and growth sign agreement over growth pairs.
-- params: small_pct
-- reads: weekly_series (from series_weekly)
SELECT scope_id,
       avg(abs(growth_candidate - growth_current) ORDER BY week) AS weekly_growth_mae_pp,
       avg(CASE WHEN (abs(growth_current) < $small_pct AND abs(growth_candidate) < $small_pct)
                  OR sign(growth_current) = sign(growth_candidate) THEN 1.0 ELSE 0.0 END) AS growth_sign_agreement,
       count(*) AS growth_pairs
FROM weekly_series
WHERE growth_current IS NOT NULL AND growth_candidate IS NOT NULL
GROUP BY scope_id
