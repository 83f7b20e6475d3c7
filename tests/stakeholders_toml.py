"""Stakeholders TOML for tests: the design's example file, builders of entries, and the error check they share.

Used by the files of tests/stakeholders; the tiny TOML writer is independent of the module's snippet writer.
"""

from __future__ import annotations

import math
import re
from typing import Any

import pytest

from dashboard.errors import ContractError
from dashboard.stakeholders import parse_stakeholders

SRC = "team/stakeholders.toml"

# The design's own example, verbatim apart from a second customer and a warn criterion.
VALID = """\
[[customers]]
id          = "freshco"
name        = "FreshCo Inc."
tier        = "key"                       # key | standard
brands      = ["FreshCo"]                 # own brands
competitors = ["ValueMart", "GreenBasket"]
regions     = ["NE", "W"]                 # optional: restrict to these regions
place_ids   = []                          # optional: explicit extra places

[[customers]]
id    = "corner.shop_2"
name  = "Corner Shop"
place_ids = ["p-001", "p-002"]

[[deals]]
id       = "pacific-fitness-trial"
prospect = "Pacific Fitness"
stage    = "trial"                        # trial | negotiation | closing
owner    = "sales engineering"
categories = ["Fitness and Recreational Sports Centers"]
regions    = ["W", "SW"]
brands     = []                           # optional, as for customers
place_ids  = []

[[criteria]]
name       = "key customers keep their weekly trend"
applies_to = "customers"                  # customers | deals | categories | regions | all
where      = { tier = "key" }             # optional filter on the stakeholder's fields
metric     = "weekly_growth_mae_pp"       # any metric of section 5
max        = 1.0                          # or: min = 0.95
severity   = "block"                      # block | warn

[[criteria]]
name       = "ranks hold everywhere"
applies_to = "all"
metric     = "rank_corr"
min        = 0.9
max        = 1
severity   = "warn"
"""


def _val(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list):
        return "[" + ", ".join(_val(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_val(x)}" for k, x in v.items()) + " }"
    raise TypeError(v)


def toml_doc(**tables: list[dict[str, Any]]) -> str:
    out = []
    for table, entries in tables.items():
        for e in entries:
            out.append(f"[[{table}]]")
            out += [f"{k} = {_val(v)}" for k, v in e.items()]
            out.append("")
    return "\n".join(out)


def cust(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"id": "freshco", "name": "FreshCo Inc.", "brands": ["FreshCo"]}
    base.update(kw)
    return {k: v for k, v in base.items() if v is not None}


def deal(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"id": "pf", "prospect": "Pacific Fitness", "stage": "trial", "regions": ["W"]}
    base.update(kw)
    return {k: v for k, v in base.items() if v is not None}


def crit(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "trend",
        "applies_to": "customers",
        "metric": "weekly_growth_mae_pp",
        "max": 1.0,
        "severity": "block",
    }
    base.update(kw)
    return {k: v for k, v in base.items() if v is not None}


def expect_error(text: str, field: str | None, *rule_bits: str) -> ContractError:
    """The message names the file and the entry+field, then the rule."""
    head = f"{SRC}, field '{field}': " if field else f"{SRC}: "
    with pytest.raises(ContractError, match="^" + re.escape(head)) as info:
        parse_stakeholders(text, source=SRC)
    err = info.value
    msg = str(err)
    for bit in rule_bits:
        assert bit in msg, f"{bit!r} not in {msg!r}"
    assert err.file == SRC
    assert err.field == field
    return err
