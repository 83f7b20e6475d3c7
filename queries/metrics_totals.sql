-- Per scope: visits and raw visits in both releases, and place counts (DESIGN section 5).
-- params: none
-- reads: scopes, sp_a, sp_b
-- Places added and dropped come from one full outer join of the two sides (not two anti-joins).
WITH a AS (
    SELECT scope_id, fsum(visits) AS visits, sum(raw_visits) AS raw_visits, count(*) AS places
    FROM sp_a GROUP BY scope_id
),
b AS (
    SELECT scope_id, fsum(visits) AS visits, sum(raw_visits) AS raw_visits, count(*) AS places
    FROM sp_b GROUP BY scope_id
),
churn AS (
    SELECT COALESCE(a.scope_id, b.scope_id) AS scope_id,
           count(*) FILTER (WHERE a.place_id IS NULL) AS added,
           count(*) FILTER (WHERE b.place_id IS NULL) AS dropped
    FROM sp_a AS a FULL OUTER JOIN sp_b AS b ON a.scope_id = b.scope_id AND a.place_id = b.place_id
    GROUP BY COALESCE(a.scope_id, b.scope_id)
)
SELECT s.scope_id,
       COALESCE(a.visits, 0) AS visits_current,
       COALESCE(b.visits, 0) AS visits_candidate,
       a.raw_visits AS raw_current,
       b.raw_visits AS raw_candidate,
       COALESCE(a.places, 0) AS places_current,
       COALESCE(b.places, 0) AS places_candidate,
       COALESCE(churn.added, 0) AS places_added,
       COALESCE(churn.dropped, 0) AS places_dropped
FROM scopes AS s
LEFT JOIN a ON a.scope_id = s.scope_id
LEFT JOIN b ON b.scope_id = s.scope_id
LEFT JOIN churn ON churn.scope_id = s.scope_id
