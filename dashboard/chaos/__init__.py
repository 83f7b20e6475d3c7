"""Data chaos lab (DESIGN section 9): upstream faults applied to a stored release as virtual candidates.

scenario (the model) · scenario_file (reading it) · candidate (the views that perturb a release) ·
robustness (judging by the gate's criteria, the matrix) · sensitivity (the smallest fault that breaks) ·
cell (one matrix cell in depth, for the Chaos lab page).
"""
