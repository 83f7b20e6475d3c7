"""The snippet writer: blocks the Explore page exports parse back to the same entry, whatever the text."""

from __future__ import annotations

import pytest
from stakeholders_toml import SRC, VALID

from dashboard.errors import ContractError
from dashboard.stakeholders import (
    Customer,
    as_dict,
    parse_stakeholders,
    stakeholder_snippet,
    toml_string,
)

TRICKY = [
    'He said "hi"',
    "C:\\path\\to\\shop",
    'back\\slash"quote',
    "Café Crème — 東京 🏃",
    "tab\there\nnew line\r\x00\x1f\x7f",
    "'single' and '''triple'''",
    '"""',
    "#not a comment",
    "trailing backslash\\",
]


@pytest.mark.parametrize("name", TRICKY)
def test_customer_snippet_round_trips(name: str) -> None:
    snippet = stakeholder_snippet(
        "customer", id="shop-1", name=name, tier="key", brands=[name, "B"], competitors=("X",), place_ids=[]
    )
    assert snippet.startswith("[[customers]]\n")
    s = parse_stakeholders(snippet, SRC)
    assert s.customers == (
        Customer(id="shop-1", name=name, tier="key", brands=(name, "B"), competitors=("X",), place_ids=()),
    )


@pytest.mark.parametrize("prospect", TRICKY)
def test_deal_snippet_round_trips(prospect: str) -> None:
    fields = {
        "id": "deal.1",
        "prospect": prospect,
        "stage": "negotiation",
        "owner": prospect,
        "categories": ["Gyms & Spas", prospect],
        "regions": ["W"],
        "brands": None,  # None fields are left out
        "place_ids": ["p-1"],
    }
    snippet = stakeholder_snippet("deal", **fields)
    assert "brands" not in snippet
    (d,) = parse_stakeholders(snippet).deals
    assert as_dict(d) == {
        **{k: list(v) if isinstance(v, list) else v for k, v in fields.items()},
        "brands": [],
    }


def test_snippet_can_be_appended_to_a_file() -> None:
    snippet = stakeholder_snippet("customer", id="new", name="New Co", competitors=["FreshCo"])
    s = parse_stakeholders(VALID + "\n" + snippet, SRC)
    assert s.customer("new").competitors == ("FreshCo",)


def test_snippet_keys_in_documented_order_and_aligned() -> None:
    snippet = stakeholder_snippet("customer", brands=["B"], name="N", id="i")
    assert snippet == '[[customers]]\nid     = "i"\nname   = "N"\nbrands = ["B"]\n'


def test_snippet_refuses_invalid_entries() -> None:
    with pytest.raises(
        ContractError, match=r"<snippet>, field 'customers\[0\] \(id=\"x\"\)\.brands': empty scope"
    ):
        stakeholder_snippet("customer", id="x", name="X")
    with pytest.raises(ContractError, match=r"unknown key 'brand' \(did you mean 'brands'\?\)"):
        stakeholder_snippet("customer", id="x", name="X", brand=["B"])
    with pytest.raises(ContractError, match=r"invalid id"):
        stakeholder_snippet("deal", id="has space", prospect="P", stage="trial", regions=["W"])
    with pytest.raises(ContractError, match=r"cannot write a int"):
        stakeholder_snippet("customer", id="x", name="X", brands=[1])
    with pytest.raises(ValueError, match="kind"):
        stakeholder_snippet("criterion", name="x")  # type: ignore[arg-type]


def test_toml_string_escapes() -> None:
    assert toml_string('a"b\\c') == '"a\\"b\\\\c"'
    assert toml_string("\x01\x7f\n") == '"\\u0001\\u007F\\n"'
    assert toml_string("é🏃") == '"é🏃"'
    with pytest.raises(ValueError, match="surrogate"):
        toml_string("\ud800")
