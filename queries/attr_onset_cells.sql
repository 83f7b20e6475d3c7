-- One scope's visits per source, region and place in the weeks before its divergence onset (since to onset,
-- excluded) and in the week from it (onset to until, excluded), in both releases: what diverged
-- (dashboard/attribution/onset.py, which sums them with attr_onset_levels: a scope of every place has millions).
-- params: scope_id, since, onset, until, start, end
-- reads: visits_a, visits_b, members_a, members_b, places_a, places_b, scope_defs
-- Each release labels its own places (members_* resolve the scope with that release's places); a source or
-- segment scope keeps only its own rows. Outer join, 0 where a release has no visits. Compensated sums.
WITH a AS (
    SELECT v.source, COALESCE(p.region, '(none)') AS region, v.place_id,
           fsum(CASE WHEN v.date >= $since AND v.date < $onset THEN v.visits ELSE 0 END) AS before,
           fsum(CASE WHEN v.date >= $onset AND v.date < $until THEN v.visits ELSE 0 END) AS after
    FROM members_a AS m
    JOIN scope_defs AS d ON d.scope_id = m.scope_id
    JOIN visits_a AS v ON v.place_id = m.place_id
    JOIN places_a AS p ON p.place_id = m.place_id
    WHERE m.scope_id = $scope_id AND v.date BETWEEN $start AND $end
      AND (d.mode <> 'source' OR v.source = d.value)
      AND (d.mode <> 'segment' OR v.segment = d.value)
    GROUP BY v.source, COALESCE(p.region, '(none)'), v.place_id
),
b AS (
    SELECT v.source, COALESCE(p.region, '(none)') AS region, v.place_id,
           fsum(CASE WHEN v.date >= $since AND v.date < $onset THEN v.visits ELSE 0 END) AS before,
           fsum(CASE WHEN v.date >= $onset AND v.date < $until THEN v.visits ELSE 0 END) AS after
    FROM members_b AS m
    JOIN scope_defs AS d ON d.scope_id = m.scope_id
    JOIN visits_b AS v ON v.place_id = m.place_id
    JOIN places_b AS p ON p.place_id = m.place_id
    WHERE m.scope_id = $scope_id AND v.date BETWEEN $start AND $end
      AND (d.mode <> 'source' OR v.source = d.value)
      AND (d.mode <> 'segment' OR v.segment = d.value)
    GROUP BY v.source, COALESCE(p.region, '(none)'), v.place_id
)
SELECT COALESCE(a.source, b.source) AS source,
       COALESCE(a.region, b.region) AS region,
       COALESCE(a.place_id, b.place_id) AS place_id,
       COALESCE(a.before, 0) AS current_before,
       COALESCE(a.after, 0) AS current_after,
       COALESCE(b.before, 0) AS candidate_before,
       COALESCE(b.after, 0) AS candidate_after
FROM a
FULL OUTER JOIN b ON a.source = b.source AND a.region = b.region AND a.place_id = b.place_id
