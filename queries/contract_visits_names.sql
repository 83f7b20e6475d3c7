-- The distinct (source, segment) pairs of incoming visits: a few rows, kept as a table, that the control
-- character check, the ENUM types and the coverage read instead of a pass over every visit each.
-- params: none
-- reads: visits_flags (from contract_visits_flags or contract_visits_checked)
SELECT DISTINCT source, segment
FROM visits_flags
