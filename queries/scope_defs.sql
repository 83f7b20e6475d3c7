-- The scopes being compared, as the small table SQL joins places against (one row per scope definition).
-- params: def_ids, def_modes, def_values, def_brands, def_regions, def_categories, def_place_ids
-- reads: none
-- Built from parallel lists (one element per scope), so no Arrow table (and no pandas import) is needed;
-- the casts keep empty lists typed as lists of strings.
SELECT
    unnest(CAST($def_ids AS VARCHAR[])) AS scope_id,
    unnest(CAST($def_modes AS VARCHAR[])) AS mode,
    unnest(CAST($def_values AS VARCHAR[])) AS value,
    unnest(CAST($def_brands AS VARCHAR[][])) AS brands,
    unnest(CAST($def_regions AS VARCHAR[][])) AS regions,
    unnest(CAST($def_categories AS VARCHAR[][])) AS categories,
    unnest(CAST($def_place_ids AS VARCHAR[][])) AS place_ids
