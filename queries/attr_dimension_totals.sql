-- Visits of one scope over the window per element of every root-cause dimension and pair of dimensions, in one release.
-- params: scope_id
-- reads: source_totals_in, places_in, members_in, scope_defs
-- source_totals_in: each place's visits per source and segment over the window (PairSession.source_totals).
-- Compensated sums (fsum): the totals do not drift with the order threads combine them in.
-- Dimensions: source, region, category, brand (null = '(independent)'), segment. Places are resolved with
-- this release's own places table (members_in); a source or segment scope keeps only its own rows.
-- GROUPING(col) = 1 marks a column summed over in that row; the empty grouping set is the scope's total.
-- No category x brand set: a brand belongs to one category (see PAIRS in dashboard/attribution.py).
WITH cells AS (
    SELECT v.source,
           COALESCE(p.region, '(none)') AS region,
           COALESCE(p.category, '(none)') AS category,
           COALESCE(p.brand, '(independent)') AS brand,
           v.segment,
           fsum(v.visits) AS visits
    FROM source_totals_in AS v
    JOIN members_in AS m ON m.place_id = v.place_id
    JOIN places_in AS p ON p.place_id = v.place_id
    JOIN scope_defs AS d ON d.scope_id = m.scope_id
    WHERE m.scope_id = $scope_id
      AND (d.mode <> 'source' OR v.source = d.value)
      AND (d.mode <> 'segment' OR v.segment = d.value)
    GROUP BY v.source, p.region, p.category, p.brand, v.segment
)
SELECT GROUPING(source) AS g_source,
       GROUPING(region) AS g_region,
       GROUPING(category) AS g_category,
       GROUPING(brand) AS g_brand,
       GROUPING(segment) AS g_segment,
       source, region, category, brand, segment,
       fsum(visits) AS visits
FROM cells
GROUP BY GROUPING SETS (
    (),
    (source), (region), (category), (brand), (segment),
    (source, region), (source, category), (source, brand), (source, segment),
    (region, category), (region, brand), (region, segment),
    (category, segment), (brand, segment)
)
