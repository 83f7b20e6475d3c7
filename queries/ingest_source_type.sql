-- An ENUM type of the sources present in incoming visits, for writing the source column (ingest only).
-- params: none
-- reads: visits_names (from contract_visits_names)
-- Cast to it, the column is written as the Parquet dictionary it already is, without hashing every value
-- again; the file holds ordinary strings.
CREATE OR REPLACE TYPE ingest_source AS ENUM (
    SELECT DISTINCT source FROM visits_names WHERE source IS NOT NULL ORDER BY source
)
