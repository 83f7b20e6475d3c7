-- The source and segment of every visit of a patterns import (one blended source, the segment 'all'), as one row:
-- what ingest's ingest_source_type and ingest_segment_type make their ENUM types of, without a scan of the visits.
-- params: source
-- reads: none
SELECT CAST($source AS VARCHAR) AS source, 'all' AS segment
