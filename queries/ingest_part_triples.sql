-- Each visit of one part of a big release's split as (place number, source, segment) hashed, with its date:
-- the key check's input (contract_visits_key_check), on fixed-width place numbers instead of text ids.
-- params: none
-- reads: visits_part (one part's rows of ingest_visits_split)
-- Places not in places (part -1) have no number and share one: that can only add a false "yes", which
-- contract_visits_duplicates, run only on a "yes", checks by listing the real offending keys.
SELECT hash(place_no, source, segment) AS triple, date
FROM visits_part
