-- Daily totals of place-set scopes over the window, from the place-day rollup, for scopes that share places.
-- params: start, end
-- reads: daily_in, place_members_in, scope_defs
-- The result of agg_scope_date_places, for many overlapping scopes (the gate's: all, every category and
-- region, customers, deals): places that belong to the same set of scopes (a signature) are summed together
-- first, one join per place-day instead of one per place-day and scope, then each signature's daily sums
-- go to each of its scopes. Sums are regrouped (a compensated sum of compensated sums), so a total may
-- differ from agg_scope_date_places's in its last bit. A signature is a list of scope numbers (integers compare
-- and hash faster than lists of scope ids).
WITH place_scopes AS (
    SELECT scope_id, CAST(row_number() OVER (ORDER BY scope_id) AS INTEGER) AS no
    FROM scope_defs
    WHERE mode NOT IN ('source', 'segment')
),
memberships AS (
    SELECT m.place_id, list(s.no ORDER BY s.no) AS scopes
    FROM place_members_in AS m
    JOIN place_scopes AS s ON s.scope_id = m.scope_id
    GROUP BY m.place_id
),
signatures AS (
    SELECT scopes, CAST(row_number() OVER (ORDER BY scopes) AS INTEGER) AS sig
    FROM (SELECT DISTINCT scopes FROM memberships) AS d
),
place_signature AS (
    SELECT m.place_id, s.sig
    FROM memberships AS m
    JOIN signatures AS s ON s.scopes = m.scopes
),
by_signature AS (
    SELECT p.sig, d.date, fsum(d.visits) AS visits, sum(d.raw_visits) AS raw_visits
    FROM daily_in AS d
    JOIN place_signature AS p ON p.place_id = d.place_id
    WHERE d.date BETWEEN $start AND $end
    GROUP BY p.sig, d.date
),
signature_scopes AS (
    SELECT s.sig, p.scope_id
    FROM (SELECT sig, unnest(scopes) AS no FROM signatures) AS s
    JOIN place_scopes AS p ON p.no = s.no
)
SELECT x.scope_id, b.date, fsum(b.visits) AS visits, sum(b.raw_visits) AS raw_visits
FROM by_signature AS b
JOIN signature_scopes AS x ON x.sig = b.sig
GROUP BY x.scope_id, b.date
