-- The ids of the scopes being compared, one row each (the scopes relation of the comparison session).
-- params: none
-- reads: scope_defs
SELECT scope_id FROM scope_defs
