-- Incoming places with one boolean column per contract rule (DESIGN section 3).
-- params: max_len
-- reads: src_places (all contract columns; absent optional ones are NULL)
SELECT
    CAST(place_id AS VARCHAR) AS place_id,
    CAST(name AS VARCHAR) AS name,
    NULLIF(CAST(brand AS VARCHAR), '') AS brand,
    CAST(category AS VARCHAR) AS category,
    CAST(region AS VARCHAR) AS region,
    CAST(city AS VARCHAR) AS city,
    CAST(sub_category AS VARCHAR) AS sub_category,
    NULLIF(CAST(parent_place_id AS VARCHAR), '') AS parent_place_id,
    CAST(latitude AS VARCHAR) AS latitude_text,
    TRY_CAST(latitude AS DOUBLE) AS latitude,
    CAST(longitude AS VARCHAR) AS longitude_text,
    TRY_CAST(longitude AS DOUBLE) AS longitude,
    NULLIF(CAST(other_brands AS VARCHAR), '') AS other_brands,
    (place_id IS NULL OR CAST(place_id AS VARCHAR) = '') AS f_place_id_empty,
    (category IS NULL OR CAST(category AS VARCHAR) = '') AS f_category_empty,
    (region IS NULL OR CAST(region AS VARCHAR) = '') AS f_region_empty,
    (latitude IS NOT NULL AND (TRY_CAST(latitude AS DOUBLE) IS NULL
        OR NOT TRY_CAST(latitude AS DOUBLE) BETWEEN -90 AND 90)) AS f_latitude_range,
    (longitude IS NOT NULL AND (TRY_CAST(longitude AS DOUBLE) IS NULL
        OR NOT TRY_CAST(longitude AS DOUBLE) BETWEEN -180 AND 180)) AS f_longitude_range,
    CASE
        WHEN length(CAST(place_id AS VARCHAR)) > $max_len THEN 'place_id'
        WHEN length(CAST(name AS VARCHAR)) > $max_len THEN 'name'
        WHEN length(CAST(brand AS VARCHAR)) > $max_len THEN 'brand'
        WHEN length(CAST(category AS VARCHAR)) > $max_len THEN 'category'
        WHEN length(CAST(region AS VARCHAR)) > $max_len THEN 'region'
        WHEN length(CAST(city AS VARCHAR)) > $max_len THEN 'city'
        WHEN length(CAST(sub_category AS VARCHAR)) > $max_len THEN 'sub_category'
        WHEN length(CAST(parent_place_id AS VARCHAR)) > $max_len THEN 'parent_place_id'
        WHEN length(CAST(other_brands AS VARCHAR)) > $max_len THEN 'other_brands'
    END AS too_long_column,
    -- C0, DEL and C1 control characters reach a terminal raw (escape sequences): refused, never escaped.
    CASE
        WHEN regexp_matches(CAST(place_id AS VARCHAR), '[\x00-\x1f\x7f-\x9f]') THEN 'place_id'
        WHEN regexp_matches(CAST(name AS VARCHAR), '[\x00-\x1f\x7f-\x9f]') THEN 'name'
        WHEN regexp_matches(CAST(brand AS VARCHAR), '[\x00-\x1f\x7f-\x9f]') THEN 'brand'
        WHEN regexp_matches(CAST(category AS VARCHAR), '[\x00-\x1f\x7f-\x9f]') THEN 'category'
        WHEN regexp_matches(CAST(region AS VARCHAR), '[\x00-\x1f\x7f-\x9f]') THEN 'region'
        WHEN regexp_matches(CAST(city AS VARCHAR), '[\x00-\x1f\x7f-\x9f]') THEN 'city'
        WHEN regexp_matches(CAST(sub_category AS VARCHAR), '[\x00-\x1f\x7f-\x9f]') THEN 'sub_category'
        WHEN regexp_matches(CAST(parent_place_id AS VARCHAR), '[\x00-\x1f\x7f-\x9f]') THEN 'parent_place_id'
        WHEN regexp_matches(CAST(other_brands AS VARCHAR), '[\x00-\x1f\x7f-\x9f]') THEN 'other_brands'
    END AS control_column
FROM src_places
