-- Visits per source of some prepared scopes over the window in both releases, and the delta: the split by source.
-- params: scope_ids
-- reads: members_a, members_b, source_totals_a, source_totals_b, scope_defs
-- source_totals_* hold each place's visits per source and segment over the window (PairSession.source_totals).
-- A source or segment scope keeps only its own rows, as attr_dimension_totals does, so the sources' deltas sum
-- to the scope's delta for every scope kind. Compensated sums (fsum): the totals do not drift with the order
-- threads combine them in.
WITH a AS (
    SELECT m.scope_id, v.source, fsum(v.visits) AS visits
    FROM members_a AS m
    JOIN scope_defs AS d ON d.scope_id = m.scope_id
    JOIN source_totals_a AS v ON v.place_id = m.place_id
    WHERE list_contains($scope_ids, m.scope_id)
      AND (d.mode <> 'source' OR v.source = d.value)
      AND (d.mode <> 'segment' OR v.segment = d.value)
    GROUP BY m.scope_id, v.source
),
b AS (
    SELECT m.scope_id, v.source, fsum(v.visits) AS visits
    FROM members_b AS m
    JOIN scope_defs AS d ON d.scope_id = m.scope_id
    JOIN source_totals_b AS v ON v.place_id = m.place_id
    WHERE list_contains($scope_ids, m.scope_id)
      AND (d.mode <> 'source' OR v.source = d.value)
      AND (d.mode <> 'segment' OR v.segment = d.value)
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
