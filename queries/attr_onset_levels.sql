-- What diverged at an onset, summed in the engine: per level of cells (1 place, 2 source and region, 3 source,
-- 4 region), how many groups it has and its biggest share of the scope's shift (dashboard/attribution/onset.py
-- names the finest level whose best group makes up two thirds; the rule is in its docstring).
-- params: none
-- reads: onset_cells (attr_onset_cells: source, region, place_id, current/candidate before/after)
-- A cell's shift: its candidate visits from the onset beyond its pre-onset ratio to the current's, or, without
-- current visits before, beyond its candidate visits before × the scope's current growth. The best group is
-- the greatest (share, keys), so a tie goes to the greatest keys. Compensated sums. The cells are read
-- through one CTE that two others use, so the engine computes them once (a view over the visits).
WITH cells AS (
    SELECT source, region, place_id, current_before, current_after, candidate_before, candidate_after
    FROM onset_cells
),
scope AS (
    SELECT fsum(current_before) AS before, fsum(current_after) AS after FROM cells
),
shifts AS (
    SELECT c.source, c.region, c.place_id,
           c.candidate_after - CASE WHEN c.current_before > 0 THEN c.candidate_before / c.current_before * c.current_after
                                    ELSE c.candidate_before * (CASE WHEN s.before > 0 THEN s.after / s.before ELSE 0 END)
                               END AS shift
    FROM cells AS c
    CROSS JOIN scope AS s
),
total AS (
    SELECT fsum(shift) AS total FROM shifts
),
groups AS (
    SELECT 1 AS level, place_id AS k1, CAST(NULL AS VARCHAR) AS k2, fsum(shift) AS shift FROM shifts GROUP BY place_id
    UNION ALL
    SELECT 2, source, region, fsum(shift) FROM shifts GROUP BY source, region
    UNION ALL
    SELECT 3, source, NULL, fsum(shift) FROM shifts GROUP BY source
    UNION ALL
    SELECT 4, region, NULL, fsum(shift) FROM shifts GROUP BY region
),
best AS (
    SELECT g.level, count(*) AS groups,
           max({'share': CASE WHEN t.total <> 0 THEN g.shift / t.total END, 'k1': g.k1, 'k2': g.k2, 'shift': g.shift})
               AS top
    FROM groups AS g
    CROSS JOIN total AS t
    GROUP BY g.level
)
SELECT b.level, b.groups, b.top.k1 AS k1, b.top.k2 AS k2, b.top.shift AS shift, b.top.share AS share, t.total
FROM best AS b
CROSS JOIN total AS t
ORDER BY b.level
