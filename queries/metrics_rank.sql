-- Per scope: Spearman correlation (average ranks for ties) of per-place totals over places in both releases.
-- params: none
-- reads: sp_a, sp_b
-- Totals equal to 1e-9 relative are ties (a total is a float sum: two places with the same true total may
-- differ in the last bits, and must not be ranked apart by rounding noise). Pearson of the average ranks,
-- in two passes (means, then centred sums in place order).
-- The windows partition and order by integers numbering the scopes and the places in the order of their
-- ids (so every order, and every result, is the same as with the ids themselves, for less sorting work).
WITH scope_no AS (
    SELECT scope_id, CAST(row_number() OVER (ORDER BY scope_id) AS INTEGER) AS no
    FROM (SELECT DISTINCT scope_id FROM sp_a) AS s
),
place_no AS (
    SELECT place_id, CAST(row_number() OVER (ORDER BY place_id) AS INTEGER) AS no
    FROM (SELECT DISTINCT place_id FROM sp_a) AS p
),
common AS (
    SELECT s.no AS scope_id, p.no AS place_id, a.visits AS va, b.visits AS vb
    FROM sp_a AS a
    JOIN sp_b AS b ON a.scope_id = b.scope_id AND a.place_id = b.place_id
    JOIN scope_no AS s ON s.scope_id = a.scope_id
    JOIN place_no AS p ON p.place_id = a.place_id
),
ordered AS (
    SELECT scope_id, place_id,
           row_number() OVER (PARTITION BY scope_id ORDER BY va, place_id) AS pos_a,
           CASE WHEN va - lag(va) OVER (PARTITION BY scope_id ORDER BY va, place_id) <= 1e-9 * abs(va)
                THEN 0 ELSE 1 END AS new_a,
           row_number() OVER (PARTITION BY scope_id ORDER BY vb, place_id) AS pos_b,
           CASE WHEN vb - lag(vb) OVER (PARTITION BY scope_id ORDER BY vb, place_id) <= 1e-9 * abs(vb)
                THEN 0 ELSE 1 END AS new_b
    FROM common
),
grouped AS (
    SELECT scope_id, place_id, pos_a, pos_b,
           sum(new_a) OVER (PARTITION BY scope_id ORDER BY pos_a ROWS UNBOUNDED PRECEDING) AS tie_a,
           sum(new_b) OVER (PARTITION BY scope_id ORDER BY pos_b ROWS UNBOUNDED PRECEDING) AS tie_b
    FROM ordered
),
ranked AS (
    SELECT scope_id, place_id,
           avg(pos_a) OVER (PARTITION BY scope_id, tie_a) AS ra,
           avg(pos_b) OVER (PARTITION BY scope_id, tie_b) AS rb
    FROM grouped
),
m AS (
    SELECT scope_id, avg(ra) AS mean_a, avg(rb) AS mean_b, count(*) AS common_places
    FROM ranked
    GROUP BY scope_id
),
s AS (
    SELECT r.scope_id,
           sum((r.ra - m.mean_a) * (r.rb - m.mean_b) ORDER BY r.place_id) AS sxy,
           sum((r.ra - m.mean_a) * (r.ra - m.mean_a) ORDER BY r.place_id) AS sxx,
           sum((r.rb - m.mean_b) * (r.rb - m.mean_b) ORDER BY r.place_id) AS syy
    FROM ranked AS r
    JOIN m ON m.scope_id = r.scope_id
    GROUP BY r.scope_id
)
SELECT n.scope_id,
       CASE WHEN m.common_places < 3 OR s.sxx <= 0 OR s.syy <= 0 THEN NULL
            ELSE s.sxy / sqrt(s.sxx * s.syy) END AS rank_corr,
       m.common_places
FROM m
JOIN s ON s.scope_id = m.scope_id
JOIN scope_no AS n ON n.no = m.scope_id
