-- Per scope: visits and raw visits in both releases, and place counts (DESIGN section 5).
-- params: none
-- reads: scopes, sp_a, sp_b
WITH a AS (
    SELECT scope_id, sum(visits ORDER BY place_id) AS visits, sum(raw_visits) AS raw_visits, count(*) AS places
    FROM sp_a GROUP BY scope_id
),
b AS (
    SELECT scope_id, sum(visits ORDER BY place_id) AS visits, sum(raw_visits) AS raw_visits, count(*) AS places
    FROM sp_b GROUP BY scope_id
),
added AS (
    SELECT b.scope_id, count(*) AS n FROM sp_b AS b
    WHERE NOT EXISTS (SELECT 1 FROM sp_a AS a WHERE a.scope_id = b.scope_id AND a.place_id = b.place_id)
    GROUP BY b.scope_id
),
dropped AS (
    SELECT a.scope_id, count(*) AS n FROM sp_a AS a
    WHERE NOT EXISTS (SELECT 1 FROM sp_b AS b WHERE a.scope_id = b.scope_id AND a.place_id = b.place_id)
    GROUP BY a.scope_id
)
SELECT s.scope_id,
       COALESCE(a.visits, 0) AS visits_current,
       COALESCE(b.visits, 0) AS visits_candidate,
       a.raw_visits AS raw_current,
       b.raw_visits AS raw_candidate,
       COALESCE(a.places, 0) AS places_current,
       COALESCE(b.places, 0) AS places_candidate,
       COALESCE(added.n, 0) AS places_added,
       COALESCE(dropped.n, 0) AS places_dropped
FROM scopes AS s
LEFT JOIN a ON a.scope_id = s.scope_id
LEFT JOIN b ON b.scope_id = s.scope_id
LEFT JOIN added ON added.scope_id = s.scope_id
LEFT JOIN dropped ON dropped.scope_id = s.scope_id
