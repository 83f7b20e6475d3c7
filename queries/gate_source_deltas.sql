-- Visits per source of some prepared place-set scopes over the window, in both releases (the gate's top cause).
-- params: scope_ids
-- reads: members_a, members_b, source_totals_a, source_totals_b
-- source_totals_* hold each place's visits per source and segment over the window (PairSession.source_totals).
-- Compensated sums (fsum): the totals do not drift with the order threads combine them in.
WITH a AS (
    SELECT m.scope_id, v.source, fsum(v.visits) AS visits
    FROM members_a AS m
    JOIN source_totals_a AS v ON v.place_id = m.place_id
    WHERE list_contains($scope_ids, m.scope_id)
    GROUP BY m.scope_id, v.source
),
b AS (
    SELECT m.scope_id, v.source, fsum(v.visits) AS visits
    FROM members_b AS m
    JOIN source_totals_b AS v ON v.place_id = m.place_id
    WHERE list_contains($scope_ids, m.scope_id)
    GROUP BY m.scope_id, v.source
)
SELECT COALESCE(a.scope_id, b.scope_id) AS scope_id,
       COALESCE(a.source, b.source) AS source,
       COALESCE(a.visits, 0) AS current,
       COALESCE(b.visits, 0) AS candidate,
       COALESCE(b.visits, 0) - COALESCE(a.visits, 0) AS delta
FROM a
FULL OUTER JOIN b ON a.scope_id = b.scope_id AND a.source = b.source
ORDER BY scope_id, source
