"""Attribution to pipeline components: Shapley over ablation runs (exact, paired, first order, none), pure and
through the store, and the refusal of a metric attribution cannot split.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from attribution.attribution_support import (
    close,
    day,
    ingest,
)

from dashboard.attribution import core as at
from dashboard.errors import RelcheckError
from dashboard.store.catalog import Store

# ------------------------------------------------------------------------------ Shapley


COMPS = ("a", "b", "c")


def game3(s: set[str]) -> float:
    """Visits per place-day of a run with component set s swapped: 100 + 5a − 3b + 2c + 4ac."""
    x = {k: 1.0 if k in s else 0.0 for k in COMPS}
    return 100 + 5 * x["a"] - 3 * x["b"] + 2 * x["c"] + 4 * x["a"] * x["c"]


def game4(s: set[str]) -> float:
    """Four components with a three-way term: 100 + 5a − 3b + 2c + d + 4ac + 6abc."""
    x = {k: 1.0 if k in s else 0.0 for k in ("a", "b", "c", "d")}
    return 100 + 5 * x["a"] - 3 * x["b"] + 2 * x["c"] + x["d"] + 4 * x["a"] * x["c"] + 6 * x["a"] * x["b"] * x["c"]


PLACE_DAYS = 4  # 2 places x 2 days


def game_store(root: Path, comps: tuple[str, ...], game: Any, subsets: list[set[str]],
               base: str = "cur") -> Store:
    """current (nothing swapped), candidate (all swapped) and one ablation run per subset."""
    store = Store(root / "store")
    places = [{"place_id": "p1", "region": "W", "category": "Cafes"},
              {"place_id": "p2", "region": "E", "category": "Cafes"}]

    def rows(s: set[str]) -> list[dict[str, Any]]:
        return [{"place_id": p["place_id"], "date": day(d), "source": "sdk_a", "visits": game(s)}
                for p in places for d in (1, 2)]

    def versions(s: set[str]) -> dict[str, str]:
        return {k: ("new" if k in s else "old") for k in comps} | {"unchanged": "v1"}

    ingest(store, root, "cur", rows(set()), places, components=versions(set()), created_at="2026-01-10T00:00:00Z")
    ingest(store, root, "cand", rows(set(comps)), places, components=versions(set(comps)),
           created_at="2026-01-20T00:00:00Z")
    for s in subsets:
        rid = "abl-" + ("-".join(sorted(s)) or "none")
        ingest(store, root, rid, rows(s), places, kind="ablation", base=base, components=versions(s))
    return store


def all_subsets(comps: tuple[str, ...]) -> list[set[str]]:
    return [set(c) for k in range(1, len(comps)) for c in itertools.combinations(comps, k)]


def test_exact_shapley_from_every_subset(tmp_path: Path) -> None:
    store = game_store(tmp_path, COMPS, game3, all_subsets(COMPS))
    c = at.by_component(store, "cur", "cand")
    assert c.method == "exact_shapley" and c.players == COMPS
    phi = {k: v / PLACE_DAYS for k, v in c.contributions.items()}
    assert all(close(phi[k], want) for k, want in {"a": 7.0, "b": -3.0, "c": 4.0}.items()), phi
    assert abs(c.interaction) < 1e-9
    assert close(sum(c.contributions.values()), PLACE_DAYS * 8.0)
    assert c.v_current == 0.0 and close(c.v_candidate or 0.0, PLACE_DAYS * 8.0)
    used = {r.release_id: r.swapped for r in c.runs}
    assert used["cur"] == () and used["cand"] == COMPS and used["abl-a-c"] == ("a", "c") and len(used) == 8
    # Any scalar metric: level_change_pct here is the game's value minus 100, in percent.
    pct = at.by_component(store, "cur", "cand", metric="level_change_pct")
    assert pct.method == "exact_shapley" and pct.metric == "level_change_pct"
    assert all(close(pct.contributions[k], want) for k, want in {"a": 7.0, "b": -3.0, "c": 4.0}.items())
    assert close(sum(pct.contributions.values()) + pct.interaction, (pct.v_candidate or 0) - (pct.v_current or 0))
    # A non-additive metric still sums to v(N) − v(∅).
    corr = at.by_component(store, "cur", "cand", metric="max_share_shift_pp")
    assert close(sum(corr.contributions.values()) + corr.interaction, corr.total)


def test_paired_estimate_and_interaction_from_one_at_a_time_runs(tmp_path: Path) -> None:
    comps = ("a", "b", "c", "d")
    oat = [{k} for k in comps] + [set(comps) - {k} for k in comps]
    store = game_store(tmp_path, comps, game4, oat)
    c = at.by_component(store, "cur", "cand")
    assert c.method == "paired"
    phi = {k: v / PLACE_DAYS for k, v in c.contributions.items()}
    # fwd = (5, −3, 2, 1), bwd = (15, 3, 12, 1): φ = (10, 0, 7, 1); the 3-way term 6abc overshoots by 3.
    assert all(close(phi[k], want) for k, want in {"a": 10.0, "b": 0.0, "c": 7.0, "d": 1.0}.items()), phi
    assert close(c.interaction / PLACE_DAYS, -3.0)
    assert close(sum(c.contributions.values()) + c.interaction, c.total)
    assert len(c.runs) == 10


def test_first_order_with_forward_runs_only(tmp_path: Path) -> None:
    store = game_store(tmp_path, COMPS, game3, [{k} for k in COMPS])
    c = at.by_component(store, "cur", "cand")
    assert c.method == "first_order"
    phi = {k: v / PLACE_DAYS for k, v in c.contributions.items()}
    assert all(close(phi[k], want) for k, want in {"a": 5.0, "b": -3.0, "c": 2.0}.items())
    assert close(c.interaction / PLACE_DAYS, 4.0)  # the a·c term nobody measured


def test_none_without_runs_and_foreign_runs_are_ignored(tmp_path: Path) -> None:
    # Runs from another base, or with a third version, do not qualify.
    store = game_store(tmp_path, COMPS, game3, [])
    places = [{"place_id": "p1", "region": "W", "category": "Cafes"}]
    ingest(store, tmp_path, "abl-other-base", [{"place_id": "p1", "date": day(1), "source": "x", "visits": 1.0}],
           places, kind="ablation", base="cand", components={"a": "new", "b": "old", "c": "old", "unchanged": "v1"})
    ingest(store, tmp_path, "abl-third", [{"place_id": "p1", "date": day(1), "source": "x", "visits": 1.0}],
           places, kind="ablation", base="cur", components={"a": "newer", "b": "old", "c": "old", "unchanged": "v1"})
    c = at.by_component(store, "cur", "cand")
    assert c.method == "none" and c.contributions == {}
    assert close(c.interaction, PLACE_DAYS * 8.0)
    assert [r.release_id for r in c.runs] == ["cur", "cand"]
    assert c.notes


def test_shapley_from_runs_pure() -> None:
    players = ("x", "y", "z")

    def pairwise(s: frozenset[str]) -> float:
        a = {"x": 3.0, "y": -1.0, "z": 2.0}
        b = {("x", "y"): 4.0, ("x", "z"): -2.0, ("y", "z"): 1.0}
        return sum(a[i] for i in s) + sum(v for (i, j), v in b.items() if i in s and j in s)

    full = {frozenset(c): pairwise(frozenset(c)) for k in range(4) for c in itertools.combinations(players, k)}
    method, exact, inter = at.shapley_from_runs(players, full)
    assert method == "exact_shapley" and abs(inter) < 1e-12
    # Paired OAT is exact for a game with at most pairwise interactions (4 players: OAT misses size-2 sets).
    p4 = ("w", "x", "y", "z")

    def pw4(s: frozenset[str]) -> float:
        return pairwise(s & frozenset(players)) + (1.5 if "w" in s else 0.0) + (2.5 if {"w", "y"} <= s else 0.0)

    every = {frozenset(c): pw4(frozenset(c)) for k in range(5) for c in itertools.combinations(p4, k)}
    oat = {s: v for s, v in every.items() if len(s) in (0, 1, 3, 4)}
    m_exact, phi_exact, _ = at.shapley_from_runs(p4, every)
    m_pair, phi_pair, inter = at.shapley_from_runs(p4, oat)
    assert (m_exact, m_pair) == ("exact_shapley", "paired")
    assert all(close(phi_exact[k], phi_pair[k]) for k in p4) and abs(inter) < 1e-12
    assert at.shapley_from_runs((), {frozenset(): 1.0}) == ("none", {}, 0.0)


def test_one_component_is_exact_without_runs(churn: tuple[Store, dict[str, Any]]) -> None:
    store, _ = churn
    c = at.by_component(store, "cur", "cand", "region:W")
    assert c.method == "exact_shapley" and c.players == ("poi_db",)
    assert close(c.contributions["poi_db"], c.total) and c.interaction == 0.0


def test_bad_metric_is_refused(fault_store: Store) -> None:
    with pytest.raises(RelcheckError, match="metric"):
        at.by_component(fault_store, "cur", "cand", metric="level_change_ci95_pct")


