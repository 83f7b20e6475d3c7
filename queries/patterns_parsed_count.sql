-- The weekly rows parsed so far (the import's progress line says how many).
-- params: none
-- reads: pat_parsed (the temp table patterns_parsed rows are inserted into, file group after group)
SELECT count(*) AS rows FROM pat_parsed
