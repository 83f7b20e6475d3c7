"""The seeded pipeline simulator behind `relcheck sample` (DESIGN section 11): sample data only, never product logic.

constants · settings · world · pipeline · snapshot · runs · ground_truth · core (``generate()``).
"""
