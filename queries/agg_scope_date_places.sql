-- Daily totals of place-set scopes over the window, from the place-day rollup.
-- params: start, end
-- reads: daily_x, members_x, scope_defs
SELECT m.scope_id, d.date, fsum(d.visits) AS visits, sum(d.raw_visits) AS raw_visits
FROM daily_x AS d
JOIN members_x AS m ON m.place_id = d.place_id
WHERE d.date BETWEEN $start AND $end
  AND m.scope_id IN (SELECT scope_id FROM scope_defs WHERE mode NOT IN ('source', 'segment'))
GROUP BY m.scope_id, d.date
