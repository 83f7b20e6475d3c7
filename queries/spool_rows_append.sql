-- Rows of a comparison kept in the spool of the CLI (dashboard/cli/compare_stream.py): each row's place in the
-- comparison, its sort key (NULL: no value, printed last) and the row itself as JSON text.
-- params: none
-- reads: spool_in
SELECT CAST(n AS BIGINT) AS n, CAST(sort_key AS DOUBLE) AS sort_key, CAST(row_json AS VARCHAR) AS row_json
FROM spool_in
