"""Attribution (DESIGN section 6): where a delta comes from, by source, effect, dimension, component, mix.

results (typed results) · algorithms (Adtributor, Shapley, Kitagawa: pure functions) · joint (segments that
explain the delta together) · totals (the SQL glue on a comparison session) · components (ablation runs) ·
core (``attribute()``, the entry point) · scope_detail (one scope in depth, as the pages show it).
"""
