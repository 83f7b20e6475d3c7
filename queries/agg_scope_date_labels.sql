-- Daily totals of one-label scopes (category, region or brand) over the window, from the release's label rollup.
-- params: start, end
-- reads: label_daily_in, scope_defs
-- The rows agg_scope_date_places gives for such scopes (PairSession.label_rollup says when the rollup holds
-- exactly the window's sums), read from a few thousand rows instead of summed from every place-day.
SELECT s.scope_id, l.date, l.visits, CAST(l.raw_visits AS HUGEINT) AS raw_visits
FROM label_daily_in AS l
JOIN scope_defs AS s ON s.mode = l.kind AND s.value = l.value
WHERE l.date BETWEEN $start AND $end
