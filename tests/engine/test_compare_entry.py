"""compare_releases' rules: defaults, unknown releases and values, listings, no common dates, no stakeholder scopes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from engine.metrics_support import (
    place,
    snapshot_pair,
)
from snapshots import daily_rows

from dashboard.engine.metrics import Comparison, compare_releases, scope_values
from dashboard.errors import NotFoundError, RelcheckError
from dashboard.stakeholders.model import Customer, Stakeholders
from dashboard.store.catalog import Store


# ------------------------------------------------------------------------------- entry point rules
def test_defaults_unknowns_and_listings(tmp_path: Path, store: Store) -> None:
    va = daily_rows("p1", "2026-01-05", [1.0, 2.0, 3.0])
    snapshot_pair(tmp_path, store, va, [place("p1", category="Cafes")], va)
    comp = compare_releases(store, None, None)
    assert isinstance(comp, Comparison)
    assert [m.scope.scope_id for m in comp.scopes] == ["all"]
    assert comp.to_json()["rows"][0]["scope_id"] == "all"
    with pytest.raises(NotFoundError, match="unknown release 'nope'.*A, B"):
        compare_releases(store, "nope", "B")
    with pytest.raises(NotFoundError, match="unknown category 'Bakeries'.*known: Cafes"):
        compare_releases(store, "A", "B", scope="category:Bakeries")
    with pytest.raises(NotFoundError, match="unknown place 'p9'.*known: p1"):
        compare_releases(store, "A", "B", by="place", scope="place:p9")
    with pytest.raises(NotFoundError, match="unknown source"):
        compare_releases(store, "A", "B", scope="source:radio")
    with pytest.raises(RelcheckError, match="bad scope"):
        compare_releases(store, "A", "B", scope="galaxy:x")
    with pytest.raises(RelcheckError, match="cannot compare by 'galaxy'"):
        compare_releases(store, "A", "B", by="galaxy")
    with pytest.raises(RelcheckError, match="stakeholders"):
        compare_releases(store, "A", "B", by="customer")
    with pytest.raises(RelcheckError, match="is a category scope but --by is region"):
        compare_releases(store, "A", "B", by="region", scope="category:Cafes")
    holders = Stakeholders((Customer("c1", "C1", brands=("Acme",)),), (), (), "test")
    with pytest.raises(NotFoundError, match="no customer 'c2'.*c1"):
        compare_releases(store, "A", "B", scope="customer:c2", stakeholders=holders)
    with pytest.raises(RelcheckError):
        scope_values(store, ["A"], "galaxy")


def test_no_common_dates_is_a_clear_error(tmp_path: Path, store: Store) -> None:
    snapshot_pair(tmp_path, store, daily_rows("p1", "2026-01-05", [1.0]), [place("p1")],
                  daily_rows("p1", "2026-02-05", [1.0]))
    with pytest.raises(RelcheckError, match="no common dates"):
        compare_releases(store, "A", "B")


def test_no_stakeholder_scopes_gives_no_rows(tmp_path: Path, store: Store) -> None:
    snapshot_pair(tmp_path, store, daily_rows("p1", "2026-01-05", [1.0]), [place("p1")],
                  daily_rows("p1", "2026-01-05", [1.0]))
    comp = compare_releases(store, "A", "B", by="deal", stakeholders=Stakeholders((), (), (), "test"))
    assert comp.scopes == [] and comp.to_json()["rows"] == []


