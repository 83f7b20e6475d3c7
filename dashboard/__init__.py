"""relcheck: release consistency checks for footfall data.

The core modules (store, contract, stakeholders, scopes, metrics, attribution,
gate, signoff, chaos, reports, simulator, cli) never import Streamlit; only
``dashboard.app`` and ``dashboard.views`` do.
"""

__version__ = "0.1.0"
