-- One scope's visits per source, region and place in the weeks before its divergence onset (since to onset,
-- excluded) and in the week from it (onset to until, excluded), in both releases, for the places of one range
-- (place_id from $lo, up to $hi excluded; '' leaves that end open: dashboard/engine/place_ranges.py): what diverged
-- (dashboard/attribution/onset.py, which sums them with attr_onset_levels: a scope of every place has millions).
-- params: scope_id, since, onset, until, start, end, lo, hi
-- reads: visits_a, visits_b, members_a, members_b, places_a, places_b, scope_defs
-- Each release labels its own places (members_* resolve the scope with that release's places); a source or
-- segment scope keeps only its own rows. Both releases' rows go through one aggregate (no join of two
-- aggregates of every cell): 0 where a release has no visits. Compensated sums.
WITH rows_of AS (
    SELECT v.source, COALESCE(p.region, '(none)') AS region, v.place_id, v.date,
           v.visits AS current_visits, 0 AS candidate_visits
    FROM members_a AS m
    JOIN scope_defs AS d ON d.scope_id = m.scope_id
    JOIN visits_a AS v ON v.place_id = m.place_id
    JOIN places_a AS p ON p.place_id = m.place_id
    WHERE m.scope_id = $scope_id AND v.date BETWEEN $start AND $end
      AND v.place_id >= $lo AND ($hi = '' OR v.place_id < $hi)
      AND m.place_id >= $lo AND ($hi = '' OR m.place_id < $hi)
      AND (d.mode <> 'source' OR v.source = d.value)
      AND (d.mode <> 'segment' OR v.segment = d.value)
    UNION ALL
    SELECT v.source, COALESCE(p.region, '(none)') AS region, v.place_id, v.date,
           0 AS current_visits, v.visits AS candidate_visits
    FROM members_b AS m
    JOIN scope_defs AS d ON d.scope_id = m.scope_id
    JOIN visits_b AS v ON v.place_id = m.place_id
    JOIN places_b AS p ON p.place_id = m.place_id
    WHERE m.scope_id = $scope_id AND v.date BETWEEN $start AND $end
      AND v.place_id >= $lo AND ($hi = '' OR v.place_id < $hi)
      AND m.place_id >= $lo AND ($hi = '' OR m.place_id < $hi)
      AND (d.mode <> 'source' OR v.source = d.value)
      AND (d.mode <> 'segment' OR v.segment = d.value)
)
SELECT source, region, place_id,
       fsum(CASE WHEN date >= $since AND date < $onset THEN current_visits ELSE 0 END) AS current_before,
       fsum(CASE WHEN date >= $onset AND date < $until THEN current_visits ELSE 0 END) AS current_after,
       fsum(CASE WHEN date >= $since AND date < $onset THEN candidate_visits ELSE 0 END) AS candidate_before,
       fsum(CASE WHEN date >= $onset AND date < $until THEN candidate_visits ELSE 0 END) AS candidate_after
FROM rows_of
GROUP BY source, region, place_id
