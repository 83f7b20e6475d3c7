-- An ENUM type of the segments present in incoming visits, for writing the segment column (ingest only).
-- params: none
-- reads: visits_names (from contract_visits_names)
-- Cast to it, the column is written as the Parquet dictionary it already is, without hashing every value
-- again; the file holds ordinary strings.
CREATE OR REPLACE TYPE ingest_segment AS ENUM (
    SELECT DISTINCT segment FROM visits_names WHERE segment IS NOT NULL ORDER BY segment
)
