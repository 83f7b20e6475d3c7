-- Per scope: the largest shift (pp) of any brand's share of the scope's visits; null when a side has none.
-- params: none
-- reads: sp_a, sp_b
WITH a AS (SELECT scope_id, brand, fsum(visits) AS v FROM sp_a GROUP BY scope_id, brand),
b AS (SELECT scope_id, brand, fsum(visits) AS v FROM sp_b GROUP BY scope_id, brand),
ta AS (SELECT scope_id, fsum(v) AS total FROM a GROUP BY scope_id),
tb AS (SELECT scope_id, fsum(v) AS total FROM b GROUP BY scope_id),
shares AS (
    SELECT COALESCE(a.scope_id, b.scope_id) AS scope_id,
           COALESCE(a.brand, b.brand) AS brand,
           COALESCE(a.v, 0) AS v_current,
           COALESCE(b.v, 0) AS v_candidate
    FROM a FULL OUTER JOIN b ON a.scope_id = b.scope_id AND a.brand = b.brand
)
SELECT s.scope_id,
       CASE WHEN max(ta.total) > 0 AND max(tb.total) > 0
            THEN 100 * max(abs(s.v_candidate / tb.total - s.v_current / ta.total)) END AS max_share_shift_pp
FROM shares AS s
LEFT JOIN ta ON ta.scope_id = s.scope_id
LEFT JOIN tb ON tb.scope_id = s.scope_id
GROUP BY s.scope_id
