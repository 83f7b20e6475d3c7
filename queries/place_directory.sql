-- Every place of one release with what a person recognises it by, for the Explore page's place picker.
-- params: none
-- reads: places_in
SELECT place_id, name, brand, city, category, region FROM places_in
