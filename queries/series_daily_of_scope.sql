-- Both releases' daily totals of one scope, for charts.
-- params: scope_id
-- reads: daily_series
SELECT date, current, candidate FROM daily_series WHERE scope_id = $scope_id ORDER BY date
