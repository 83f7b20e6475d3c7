-- Daily totals of place-set scopes over the window, from the place-day rollup.
-- params: start, end
-- reads: daily_in, place_members_in, scope_defs
-- Rows are grouped by a small integer per scope (not by its scope_id text, hashed once per joined row) and
-- named afterwards: the same sums, a fraction of the hashing.
WITH numbered AS (
    SELECT scope_id, CAST(row_number() OVER (ORDER BY scope_id) AS INTEGER) AS scope_no
    FROM (SELECT DISTINCT scope_id FROM scope_defs WHERE mode NOT IN ('source', 'segment')) AS place_scopes
),
member_no AS (
    SELECT m.place_id, n.scope_no
    FROM place_members_in AS m
    JOIN numbered AS n ON n.scope_id = m.scope_id
),
sums AS (
    SELECT m.scope_no, d.date, fsum(d.visits) AS visits, sum(d.raw_visits) AS raw_visits
    FROM daily_in AS d
    JOIN member_no AS m ON m.place_id = d.place_id
    WHERE d.date BETWEEN $start AND $end
    GROUP BY m.scope_no, d.date
)
SELECT n.scope_id, s.date, s.visits, s.raw_visits
FROM sums AS s
JOIN numbered AS n ON n.scope_no = s.scope_no
