-- Both releases' weekly totals and growth of one scope, for charts.
-- params: scope_id
-- reads: weekly_series
SELECT week, current, candidate, growth_current, growth_candidate
FROM weekly_series WHERE scope_id = $scope_id ORDER BY week
