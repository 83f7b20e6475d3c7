"""One scope parser for every command: unknown kinds and values are refused (exit 2, a spelling hint),
never answered with zeros; ``all`` takes no value."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from gate_world import STAKEHOLDERS_TOML

from dashboard.cli import main
from dashboard.engine.scopes import parse_scope
from dashboard.errors import RelcheckError
from dashboard.store.catalog import Store


@pytest.fixture
def home(gate_store: Store) -> Path:
    return gate_store.home


@pytest.fixture
def sfile(tmp_path: Path) -> Path:
    path = tmp_path / "stakeholders.toml"
    path.write_text(STAKEHOLDERS_TOML, encoding="utf-8")
    return path


def invoke(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], prog_name="relcheck")


PAIR = ("--current", "r1", "--candidate", "r2")


def commands(home: Path, sfile: Path, scope: str) -> dict[str, tuple[object, ...]]:
    common = ("--home", home, "--stakeholders", sfile)
    return {
        "compare": ("compare", *common, *PAIR, "--scope", scope),
        "attribute": ("attribute", *common, *PAIR, "--scope", scope),
        "history": ("history", *common, "--scope", scope, "--metric", "level_change_pct"),
        "report": ("report", *common, *PAIR, "--scope", scope, "--out", home.parent / "pack"),
    }


@pytest.mark.parametrize(
    ("scope", "message"),
    [
        ("category:Grocery stores", "unknown category 'Grocery stores' in either release (did you mean 'Grocery Stores'?)"),
        ("region:Nope", "unknown region 'Nope'"),
        ("brand:Freshco", "(did you mean 'FreshCo'?)"),
        ("source:sdk_c", "unknown source 'sdk_c'"),
        ("all:x", "the scope all takes no value"),
        ("categry:Fitness", "(did you mean 'category'?)"),
        ("customer:", "bad scope"),
    ],
)
def test_every_command_refuses_the_same_way(home: Path, sfile: Path, scope: str, message: str) -> None:
    for name, args in commands(home, sfile, scope).items():
        result = invoke(*args)
        assert result.exit_code == 2, (name, result.output)
        assert message in result.stderr and result.stderr.startswith("relcheck: error:"), (name, result.stderr)
    assert not (home.parent / "pack").exists()


def test_known_values_still_work(home: Path, sfile: Path) -> None:
    for name, args in commands(home, sfile, "category:Fitness").items():
        assert invoke(*args).exit_code == 0, name
    # A value present in one release of the history only is known (region MW exists in r1 only).
    assert invoke(*commands(home, sfile, "region:MW")["history"]).exit_code == 0


def test_parse_scope() -> None:
    assert parse_scope(" all ") == ("all", None)
    assert parse_scope("category:Grocery Stores") == ("category", "Grocery Stores")
    for bad in ("all:", "all:x", "nope", "category", "category: ", ":x"):
        with pytest.raises(RelcheckError, match="bad scope"):
            parse_scope(bad)
