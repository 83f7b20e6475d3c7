"""relcheck: release consistency checks for footfall data.

One sub-package per layer of DESIGN section 10, importing only downward (checked by ``lint-imports``, see
docs/architecture.md): app/views and cli → reports → charts → chaos → acceptance → attribution → engine →
store → stakeholders → simulator, sql → the base modules (errors, paths, progress, tomlfile, metric_catalog,
formatting). Only ``dashboard.app`` and ``dashboard.views`` import Streamlit.
"""

__version__ = "0.1.0"
