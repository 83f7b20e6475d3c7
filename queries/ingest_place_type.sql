-- An ENUM type of the release's place ids, in sorted order, for grouping and writing the rollups (ingest only).
-- params: none
-- reads: places_typed
-- Grouping and sorting by place_id cast to it hash and compare small integers instead of strings, in the same
-- order (the ENUM's order is the sorted one); the files hold ordinary strings.
CREATE OR REPLACE TYPE ingest_place_id AS ENUM (
    SELECT place_id FROM places_typed WHERE place_id IS NOT NULL ORDER BY place_id
)
