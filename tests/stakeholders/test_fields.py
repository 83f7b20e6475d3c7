"""The shared TOML field checks: each names the file and field, and keeps the two files' messages as they were."""

from __future__ import annotations

import datetime as dt

import pytest

from dashboard.errors import ContractError
from dashboard.stakeholders import validator
from dashboard.stakeholders.fields import FieldChecks

F = FieldChecks("f.toml")


def err(check, *args, **kw) -> ContractError:  # type: ignore[no-untyped-def]
    with pytest.raises(ContractError) as info:
        check(*args, **kw)
    assert info.value.file == "f.toml"
    return info.value


def test_the_stakeholders_validator_is_built_on_them() -> None:
    assert issubclass(validator._Validator, FieldChecks)


def test_text() -> None:
    assert F.text({"k": "v"}, "k", "t[0]") == "v"
    assert str(err(F.text, {}, "k", "t[0]")) == "f.toml, field 't[0].k': required field 'k' is missing"
    assert err(F.text, {"k": " "}, "k", "t[0]").rule == "must be a non-empty string"
    assert err(F.text, {"k": ["v"]}, "k", "t[0]").rule == "must be a string, got list"
    assert err(F.text, {"k": ["v"]}, "k", "t[0]", list_hint=True).rule == 'must be a string, got list (write k = "v")'
    assert F.optional_text({}, "k", "t[0]") is None


def test_choice_number_integer() -> None:
    assert F.choice({}, "k", "t", ("a", "b"), default="a") == "a"
    assert err(F.choice, {"k": "zz"}, "k", "t", ("a", "b"), None).rule == '"zz" is not one of a | b'
    assert F.number({"k": 2}, "k", "t") == 2.0 and F.number({}, "k", "t") is None
    assert err(F.number, {"k": True}, "k", "t").rule == "must be a number, got bool"
    assert "finite" in err(F.number, {"k": float("nan")}, "k", "t").rule
    assert F.integer({}, "k", "t", default=3) == 3
    assert err(F.integer, {"k": 1.5}, "k", "t", 0).rule == "must be an integer, got float"


def test_str_list_and_date() -> None:
    assert F.str_list({"k": ["a"]}, "k", "t") == ("a",) and F.str_list({}, "k", "t") == ()
    assert err(F.str_list, {"k": "a"}, "k", "t").rule == 'must be a list of strings, got str (write k = ["a"])'
    assert err(F.str_list, {"k": ["a", ""]}, "k", "t").examples == [""]
    assert err(F.str_list, {"k": ["a", ""]}, "k", "t", show_item=False).examples == []
    assert F.date({"k": "2026-06-01"}, "k", "t") == dt.date(2026, 6, 1)
    assert "not a date and time" in err(F.date, {"k": dt.datetime(2026, 6, 1, 10)}, "k", "t").rule


def test_unknown_keys_suggest() -> None:
    e = err(F.known_keys, {"nmae": 1}, ("name", "id"), "t[0]")
    assert (e.field, e.rule) == ("t[0].nmae", "unknown key 'nmae' (did you mean 'name'?); known keys: name, id")
    e = F.unknown_key("soruce", ("kind",), "p", suggest_from=("kind", "source"))
    assert e.rule == "unknown key 'soruce' (did you mean 'source'?); known keys: kind"
    assert F.label("customers", 2, {"id": "x"}, "id") == 'customers[2] (id="x")'
    assert F.label("customers", 2, {}, "id") == "customers[2]"
