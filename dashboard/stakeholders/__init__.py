"""Stakeholders: who must stay happy with a release, and the criteria that say so (DESIGN section 4).

The public names of the layer, so callers need not know which module holds them: the model, the file's
loader and validator, and the snippet writer.
"""

from dashboard.stakeholders.model import (
    Criterion,
    Customer,
    Deal,
    Stakeholders,
    as_dict,
)
from dashboard.stakeholders.snippet import criterion_snippet, stakeholder_snippet, toml_string
from dashboard.stakeholders.validator import load_stakeholders, parse_stakeholders

__all__ = [
    "Criterion",
    "Customer",
    "Deal",
    "Stakeholders",
    "as_dict",
    "criterion_snippet",
    "load_stakeholders",
    "parse_stakeholders",
    "stakeholder_snippet",
    "toml_string",
]
