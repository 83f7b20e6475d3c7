-- The spooled rows in the order asked: by sort key times $sign (1 ascending, -1 descending), rows without a key
-- last, ties and the unsorted (all keys equal) in the comparison's own order.
-- params: sign
-- reads: compare_spool
SELECT row_json FROM compare_spool
ORDER BY sort_key IS NULL, sort_key * $sign, n
