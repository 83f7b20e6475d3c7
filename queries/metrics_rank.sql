-- Per scope: Spearman correlation (average ranks for ties) of per-place totals over places in both releases.
-- params: none
-- reads: sp_a, sp_b
-- Totals equal to 1e-9 relative are ties (a total is a float sum: two places with the same true total may
-- differ in the last bits, and must not be ranked apart by rounding noise): sorted, a total within 1e-9 of
-- its predecessor joins its tie group. A place's average rank is the mean of its group's first and last
-- positions (the first a running maximum, the last the group's maximum); x = 2 × rank is an integer, so
-- every sum below is an exact integer (HUGEINT) whatever order the threads add in:
-- Σ(x − x̄)(y − ȳ) = Σxy − n(n+1)², since x̄ = n + 1. One float division at the end.
-- One sort per release: places alone in their group (most) take their position; only the members of tie
-- groups go through the second, group-bounds pass. Scopes and places are numbered by their ids' order.
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
ordered_a AS (
    SELECT scope_id, place_id, vb,
           row_number() OVER w AS pos,
           coalesce(va - lag(va) OVER w > 1e-9 * abs(va), true) AS opens,
           coalesce(lead(va) OVER w - va > 1e-9 * abs(lead(va) OVER w), true) AS closes
    FROM common
    WINDOW w AS (PARTITION BY scope_id ORDER BY va, place_id)
),
ranked_a AS (
    SELECT scope_id, place_id, vb, 2 * pos AS xa FROM ordered_a WHERE opens AND closes
    UNION ALL
    SELECT scope_id, place_id, vb, first_pos + max(pos) OVER (PARTITION BY scope_id, first_pos) AS xa
    FROM (
        SELECT scope_id, place_id, vb, pos,
               max(CASE WHEN opens THEN pos END) OVER (PARTITION BY scope_id ORDER BY pos ROWS UNBOUNDED PRECEDING)
                   AS first_pos
        FROM ordered_a
        WHERE NOT (opens AND closes)
    ) AS tied_a
),
ordered_b AS (
    SELECT scope_id, xa,
           row_number() OVER w AS pos,
           coalesce(vb - lag(vb) OVER w > 1e-9 * abs(vb), true) AS opens,
           coalesce(lead(vb) OVER w - vb > 1e-9 * abs(lead(vb) OVER w), true) AS closes
    FROM ranked_a
    WINDOW w AS (PARTITION BY scope_id ORDER BY vb, place_id)
),
ranked AS (
    SELECT scope_id, xa, 2 * pos AS xb FROM ordered_b WHERE opens AND closes
    UNION ALL
    SELECT scope_id, xa, first_pos + max(pos) OVER (PARTITION BY scope_id, first_pos) AS xb
    FROM (
        SELECT scope_id, xa, pos,
               max(CASE WHEN opens THEN pos END) OVER (PARTITION BY scope_id ORDER BY pos ROWS UNBOUNDED PRECEDING)
                   AS first_pos
        FROM ordered_b
        WHERE NOT (opens AND closes)
    ) AS tied_b
),
sums AS (
    SELECT scope_id, count(*) AS n,
           CAST(count(*) AS HUGEINT) * (count(*) + 1) * (count(*) + 1) AS k,
           sum(CAST(xa AS HUGEINT) * xb) AS sxy,
           sum(CAST(xa AS HUGEINT) * xa) AS sxx,
           sum(CAST(xb AS HUGEINT) * xb) AS syy
    FROM ranked
    GROUP BY scope_id
)
SELECT n.scope_id,
       CASE WHEN s.n < 3 OR s.sxx <= s.k OR s.syy <= s.k THEN NULL
            ELSE CAST(s.sxy - s.k AS DOUBLE) / sqrt(CAST(s.sxx - s.k AS DOUBLE) * CAST(s.syy - s.k AS DOUBLE))
       END AS rank_corr,
       s.n AS common_places
FROM sums AS s
JOIN scope_no AS n ON n.no = s.scope_id
