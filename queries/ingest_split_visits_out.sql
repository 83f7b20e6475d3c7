-- The visits columns of the contract, as stored (as ingest_visits_out), from a big release's split visits.
-- params: none
-- reads: visits_split (every part's files of ingest_visits_split, in part order), place_numbers
-- Read part after part, the stored rows come grouped by ranges of places: the file compresses to about half
-- the size of the delivered order, and a read of a few places skips most row groups by their statistics.
SELECT n.place_id, v.date, v.source, v.visits, v.raw_visits, v.segment
FROM visits_split AS v
JOIN place_numbers AS n ON n.place_no = v.place_no
