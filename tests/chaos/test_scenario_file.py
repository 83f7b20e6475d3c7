"""The scenario file: every kind parsed, every rule's message (file, scenario, field), the sample file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from dashboard.chaos.scenario import KINDS, Perturbation
from dashboard.chaos.scenario_file import load_scenarios, parse_scenarios, scenario_from_dict
from dashboard.errors import ContractError
from dashboard.paths import sample_data_dir


def bad(text: str) -> ContractError:
    with pytest.raises(ContractError) as err:
        parse_scenarios(text, source="team/chaos.toml")
    assert str(err.value).startswith("team/chaos.toml")
    return err.value


def one(pert: str, name: str = "s1") -> str:
    return f'[[scenarios]]\nname = "{name}"\n[[scenarios.perturbations]]\n{pert}\n'


def test_parse_every_kind() -> None:
    text = "\n".join([
        one('kind = "drop_source"\nsource = "a"\nregions = ["W"]\nfrom = 2026-06-15\nuntil = "2026-06-20"', "a"),
        one('kind = "scale_source"\nsource = "a"\nfactor = 1.5', "b"),
        one('kind = "noise"\ncv = 0.05', "c"),
        one('kind = "duplicate_day"\ndate = 2026-06-02\nsource = "a"', "d"),
        one('kind = "lose_day"\ndate = 2026-06-03', "e"),
        one('kind = "shift_dates"\nsource = "a"\ndays = -1', "f"),
        one('kind = "drop_places"\nbrand = "B"\nregions = ["NE"]', "g"),
    ])
    s = parse_scenarios(text)
    assert [x.perturbations[0].kind for x in s] == list(KINDS)
    a = s[0].perturbations[0]
    assert (a.source, a.regions, a.start, a.until) == ("a", ("W",), dt.date(2026, 6, 15), dt.date(2026, 6, 20))
    assert s[1].perturbations[0].factor == 1.5
    assert (s[2].perturbations[0].cv, s[2].perturbations[0].seed, s[2].perturbations[0].source) == (0.05, 0, None)
    assert s[5].perturbations[0].days == -1
    assert s[6].perturbations[0].brand == "B"
    # to_dict round-trips through the parser.
    again = parse_scenarios("\n".join(
        one("\n".join(f"{k} = {json.dumps(v)}" for k, v in x.perturbations[0].to_dict().items()), x.name)
        for x in s))
    assert again == s
    assert all(x.describe() for x in s)


@pytest.mark.parametrize(("text", "field", "rule"), [
    (one('kind = "drop_sourc"\nsource = "a"'), 'scenarios[0] (name="s1").perturbations[0].kind',
     "unknown kind \"drop_sourc\" (did you mean 'drop_source'?)"),
    (one('kind = "drop_source"'), 'scenarios[0] (name="s1").perturbations[0].source',
     "required field 'source' is missing"),
    (one('source = "a"'), 'scenarios[0] (name="s1").perturbations[0].kind', "required field 'kind'"),
    (one('kind = "scale_source"\nsource = "a"\nfactor = 0'), ".factor", "factor must be > 0"),
    (one('kind = "scale_source"\nsource = "a"\nfactor = -0.5'), ".factor", "factor must be > 0"),
    (one('kind = "scale_source"\nsource = "a"\nfactor = nan'), ".factor", "finite"),
    (one('kind = "scale_source"\nsource = "a"\nfactor = inf'), ".factor", "finite"),
    (one('kind = "scale_source"\nsource = "a"\nfactor = "0.8"'), ".factor", "must be a number"),
    (one('kind = "scale_source"\nsource = "a"'), ".factor", "required field 'factor'"),
    (one('kind = "noise"\ncv = -0.1'), ".cv", "cv (coefficient of variation) must be between 0 and 10"),
    (one('kind = "noise"\ncv = 0.1\nseed = 1.5'), ".seed", "must be an integer"),
    (one('kind = "lose_day"\ndate = "2026-13-01"'), ".date", "must be a date"),
    (one('kind = "lose_day"\ndate = 2026-06-01T10:00:00'), ".date", "not a date and time"),
    (one('kind = "lose_day"\ndate = 20260601'), ".date", "must be a date"),
    (one('kind = "drop_source"\nsource = "a"\nfrom = 2026-06-10\nuntil = 2026-06-01'), ".from", "is after 'until'"),
    (one('kind = "drop_source"\nsoruce = "a"'), ".soruce", "unknown key 'soruce' (did you mean 'source'?)"),
    (one('kind = "drop_source"\nsource = "a"\nfactor = 0.5'), ".factor", "does not apply to kind 'drop_source'"),
    (one('kind = "drop_source"\nsource = "a"\nregions = "W"'), ".regions", 'write regions = ["W"]'),
    (one('kind = "drop_source"\nsource = ["a"]'), ".source", 'write source = "a"'),
    (one('kind = "drop_source"\nsource = ""'), ".source", "non-empty"),
    (one('kind = "shift_dates"\ndays = 0'), ".days", "non-zero integer"),
    (one('kind = "shift_dates"\ndays = 30'), ".days", "non-zero integer"),
    (one('kind = "drop_places"'), ".category", "exactly one of 'category' or 'brand'"),
    (one('kind = "drop_places"\ncategory = "G"\nbrand = "B"'), ".category", "exactly one"),
    ('[[scenarios]]\nname = "s1"\ndescripton = "x"\n', 'scenarios[0] (name="s1").descripton',
     "did you mean 'description'?"),
    ('[[scenarios]]\ndescription = "x"\n', "scenarios[0].name", "required field 'name'"),
    ('[[scenarios]]\nname = ""\n', "scenarios[0].name", "non-empty"),
    ('[[scenarios]]\nname = "a"\n[[scenarios]]\nname = "a"\n', 'scenarios[1] (name="a").name', "duplicate name"),
    ('[[scenario]]\nname = "a"\n', "scenario", "did you mean 'scenarios'?"),
    ('[scenarios]\nname = "a"\n', "scenarios", "array of tables"),
    ("", "scenarios", "no scenarios"),
    ('[[scenarios]]\nname = "a"\nperturbations = {kind = "noise"}\n', 'scenarios[0] (name="a").perturbations',
     "array of tables"),
])
def test_validation_names_file_scenario_field_and_rule(text: str, field: str, rule: str) -> None:
    err = bad(text)
    assert err.field is not None and err.field.endswith(field), err.field
    assert rule in err.rule, err.rule


def test_malformed_toml_and_missing_file(tmp_path: Path) -> None:
    err = bad('[[scenarios]]\nname = "a\n')
    assert "malformed TOML" in err.rule
    with pytest.raises(ContractError, match="scenario file not found"):
        load_scenarios(tmp_path / "nope.toml")
    (tmp_path / "latin1.toml").write_bytes(b'[[scenarios]]\nname = "caf\xe9"\n')
    with pytest.raises(ContractError, match="UTF-8"):
        load_scenarios(tmp_path / "latin1.toml")


def test_the_sample_scenarios_fit_the_simulated_world() -> None:
    from dashboard.simulator import core as simulator

    scenarios = load_scenarios(sample_data_dir() / "chaos.toml")
    assert 6 <= len(scenarios) <= 8
    kinds = {p.kind for s in scenarios for p in s.perturbations}
    assert kinds == set(KINDS)
    settings = simulator.Settings()
    first, last = settings.start, settings.start + dt.timedelta(days=settings.days - 1)
    categories = {c.name for c in simulator.CATEGORIES}
    for s in scenarios:
        assert s.description
        for p in s.perturbations:
            assert p.source is None or p.source in simulator.SOURCES
            assert set(p.regions) <= set(simulator.REGIONS)
            assert p.category is None or p.category in categories
            for d in (p.date, p.start, p.until):
                assert d is None or first <= d <= last


def test_scenario_from_a_mapping_for_the_page_editor() -> None:
    s = scenario_from_dict({"name": "mine", "perturbations": [
        {"kind": "scale_source", "source": "x", "factor": 0.5, "from": "2026-06-10"}]})
    assert s.perturbations[0] == Perturbation("scale_source", source="x", factor=0.5, start=dt.date(2026, 6, 10))
    assert s.describe() == "scale x by 0.5 from 2026-06-10"
    assert scenario_from_dict(s.to_dict()) == s
    with pytest.raises(ContractError, match="factor must be > 0") as err:
        scenario_from_dict({"name": "mine", "perturbations": [{"kind": "scale_source", "source": "x",
                                                                      "factor": -1}]})
    assert err.value.file == "<scenario>"


def test_the_scenario_validator_shares_the_stakeholders_field_checks() -> None:
    from dashboard.chaos import scenario_file
    from dashboard.stakeholders.fields import FieldChecks

    assert issubclass(scenario_file._Validator, FieldChecks)


@pytest.mark.parametrize(
    ("perturbation", "field", "limit"),
    [
        ('kind = "scale_source"\nsource = "a"\nfactor = 1e308', "factor", "at most 100"),
        ('kind = "scale_source"\nsource = "a"\nfactor = 100.5', "factor", "at most 100"),
        ('kind = "noise"\ncv = 1e300', "cv", "between 0 and 10"),
        ('kind = "noise"\ncv = 10.01', "cv", "between 0 and 10"),
        ('kind = "shift_dates"\ndays = 100000', "days", "between -7 and 7"),
    ],
)
def test_absurd_parameters_are_refused_with_the_limit(perturbation: str, field: str, limit: str) -> None:
    text = f'[[scenarios]]\nname = "x"\n[[scenarios.perturbations]]\n{perturbation}\n'
    with pytest.raises(ContractError, match=limit) as err:
        parse_scenarios(text, source="chaos.toml")
    assert err.value.field is not None and err.value.field.endswith(field)
    # At the limit itself, accepted.
    ok = {"factor": "factor = 100.0", "cv": "cv = 10.0", "days": "days = 7"}[field]
    lines = [ln if not ln.startswith(field) else ok for ln in perturbation.splitlines()]
    assert parse_scenarios('[[scenarios]]\nname = "x"\n[[scenarios.perturbations]]\n' + "\n".join(lines))
