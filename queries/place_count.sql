-- How many places a release has (from the Parquet footer for a stored one).
-- params: none
-- reads: places_in
SELECT count(*) AS places FROM places_in
