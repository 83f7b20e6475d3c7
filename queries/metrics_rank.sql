-- Per scope: Spearman correlation (average ranks for ties) of per-place totals over places in both releases.
-- params: none
-- reads: sp_a, sp_b
WITH common AS (
    SELECT a.scope_id, a.place_id, a.visits AS va, b.visits AS vb
    FROM sp_a AS a JOIN sp_b AS b ON a.scope_id = b.scope_id AND a.place_id = b.place_id
),
ranked AS (
    SELECT scope_id,
           rank() OVER (PARTITION BY scope_id ORDER BY va)
               + (count(*) OVER (PARTITION BY scope_id, va) - 1) / 2.0 AS ra,
           rank() OVER (PARTITION BY scope_id ORDER BY vb)
               + (count(*) OVER (PARTITION BY scope_id, vb) - 1) / 2.0 AS rb
    FROM common
)
SELECT scope_id,
       CASE WHEN count(*) < 3 OR min(ra) = max(ra) OR min(rb) = max(rb) THEN NULL
            ELSE corr(rb, ra) END AS rank_corr,
       count(*) AS common_places
FROM ranked
GROUP BY scope_id
