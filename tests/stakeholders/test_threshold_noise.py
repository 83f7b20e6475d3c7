"""threshold_noise in the stakeholders file: parsed, resolved, and refused when ambiguous (file/field/rule/example)."""

from __future__ import annotations

import pytest

from dashboard.errors import ContractError
from dashboard.stakeholders import parse_stakeholders
from dashboard.stakeholders.model import as_dict

BASE = """
[[criteria]]
name = "level within noise"
applies_to = "all"
metric = "{metric}"
severity = "block"
{bound}
"""


def parse(bound: str, metric: str = "level_change_pct"):
    return parse_stakeholders(BASE.format(bound=bound, metric=metric), "team/stakeholders.toml")


def test_threshold_noise_resolves_per_metric_shape() -> None:
    crit = parse("threshold_noise = 3").criteria[0]
    assert crit.noise_relative and crit.threshold is None and crit.evaluate(0.0) == "no_data"
    assert crit.resolved(2.0).threshold == [-6.0, 6.0]
    assert as_dict(crit)["threshold_noise"] == 3.0
    corr = parse("threshold_noise = 2", "daily_corr").criteria[0].resolved(0.01)
    assert corr.op == "min" and corr.threshold == pytest.approx(0.98)
    mae = parse("threshold_noise = 2", "weekly_growth_mae_pp").criteria[0].resolved(0.5)
    assert mae.op == "max" and mae.threshold == 1.0 and mae.evaluate(1.1) == "fail"
    # Files without it export as before.
    assert "threshold_noise" not in as_dict(parse("max = 1").criteria[0])


@pytest.mark.parametrize(("bound", "metric", "rule"), [
    ("max = 5\nthreshold_noise = 3", "level_change_pct", "not both"),
    ("threshold_noise = 0", "level_change_pct", "positive multiple"),
    ("threshold_noise = 3", "visits_current", "has no noise floor"),
    ('threshold_noise = "3"', "level_change_pct", "must be a number"),
])
def test_bad_threshold_noise_is_refused(bound: str, metric: str, rule: str) -> None:
    with pytest.raises(ContractError) as err:
        parse(bound, metric)
    message = str(err.value)
    assert err.value.exit_code == 2
    assert message.startswith("team/stakeholders.toml") and "threshold_noise" in message and rule in message
    if rule == "not both":
        assert "max = 5" in message and "threshold_noise = 3" in message and "example" in message


def test_criterion_snippet_round_trips_with_its_stakeholder() -> None:
    from dashboard.stakeholders import criterion_snippet, stakeholder_snippet

    deal = stakeholder_snippet("deal", id="gyms", prospect="Gyms", stage="trial", regions=["W"])
    fixed = criterion_snippet("gyms: level", "deals", "level_change_pct", where_id="gyms", min=-2.5, max=2.5,
                              context=deal)
    noise = criterion_snippet("gyms: level", "deals", "level_change_pct", where_id="gyms", threshold_noise=3,
                              context=deal)
    a = parse_stakeholders(deal + fixed).criteria[0]
    b = parse_stakeholders(deal + noise).criteria[0]
    assert (a.min, a.max, a.where) == (-2.5, 2.5, {"id": "gyms"}) and b.threshold_noise == 3.0
    with pytest.raises(ContractError, match="not both"):
        criterion_snippet("x", "deals", "level_change_pct", where_id="gyms", max=1, threshold_noise=3, context=deal)
