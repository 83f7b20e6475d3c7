-- The visits of a checked snapshot (written by relcheck, already typed), in the columns the ingest writes.
-- params: none
-- reads: src_visits (place_id VARCHAR, date DATE, source VARCHAR, visits DOUBLE, raw_visits BIGINT, segment)
SELECT place_id, date, source, visits, raw_visits, COALESCE(NULLIF(segment, ''), 'all') AS segment
FROM src_visits
