-- The finest cells of some scopes over the window in both releases, keyed by scope_id: the joint explanation's
-- input (dashboard/attribution/joint.py); one scope for `attribute`, every failing scope at once for the gate.
-- params: scope_ids
-- reads: source_totals_a, source_totals_b, places_a, places_b, members_a, members_b, scope_defs
-- source_totals_* hold each place's visits per source and segment over the window (PairSession.source_totals).
-- One row per (source, region, category, brand, segment) with visits in either release; each release's
-- places label its own rows (members_* resolve the scope with that release's places), so a relabelled
-- place leaves one cell and enters another, and places added or dropped count on their side only. Outer
-- join, 0 where a release has no visits: the cells' deltas sum to the scope's delta exactly. Dimensions
-- as attr_dimension_totals.sql names them (brand null = '(independent)'); a source or segment scope keeps
-- only its own rows. Compensated sums (fsum): the totals do not drift with the order threads combine them in.
WITH a AS (
    SELECT m.scope_id, v.source,
           COALESCE(p.region, '(none)') AS region,
           COALESCE(p.category, '(none)') AS category,
           COALESCE(p.brand, '(independent)') AS brand,
           v.segment,
           fsum(v.visits) AS visits
    FROM members_a AS m
    JOIN scope_defs AS d ON d.scope_id = m.scope_id
    JOIN source_totals_a AS v ON v.place_id = m.place_id
    JOIN places_a AS p ON p.place_id = m.place_id
    WHERE list_contains($scope_ids, m.scope_id)
      AND (d.mode <> 'source' OR v.source = d.value)
      AND (d.mode <> 'segment' OR v.segment = d.value)
    GROUP BY ALL
),
b AS (
    SELECT m.scope_id, v.source,
           COALESCE(p.region, '(none)') AS region,
           COALESCE(p.category, '(none)') AS category,
           COALESCE(p.brand, '(independent)') AS brand,
           v.segment,
           fsum(v.visits) AS visits
    FROM members_b AS m
    JOIN scope_defs AS d ON d.scope_id = m.scope_id
    JOIN source_totals_b AS v ON v.place_id = m.place_id
    JOIN places_b AS p ON p.place_id = m.place_id
    WHERE list_contains($scope_ids, m.scope_id)
      AND (d.mode <> 'source' OR v.source = d.value)
      AND (d.mode <> 'segment' OR v.segment = d.value)
    GROUP BY ALL
)
SELECT COALESCE(a.scope_id, b.scope_id) AS scope_id,
       COALESCE(a.source, b.source) AS source,
       COALESCE(a.region, b.region) AS region,
       COALESCE(a.category, b.category) AS category,
       COALESCE(a.brand, b.brand) AS brand,
       COALESCE(a.segment, b.segment) AS segment,
       COALESCE(a.visits, 0) AS visits_current,
       COALESCE(b.visits, 0) AS visits_candidate
FROM a
FULL OUTER JOIN b
  ON a.scope_id = b.scope_id
 AND a.source IS NOT DISTINCT FROM b.source
 AND a.region = b.region
 AND a.category = b.category
 AND a.brand = b.brand
 AND a.segment IS NOT DISTINCT FROM b.segment
ORDER BY scope_id, source, region, category, brand, segment
