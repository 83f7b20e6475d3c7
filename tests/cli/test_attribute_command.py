"""``relcheck attribute``: the effect terms add up to the delta as printed (dropped places negative)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from gate_world import STAKEHOLDERS_TOML, S

from dashboard.cli import main
from dashboard.store.catalog import Store


def test_effect_terms_sum_as_printed(gate_store: Store) -> None:
    args = ["attribute", "--home", str(gate_store.home), "--current", "r1", "--candidate", "r2"]
    text = CliRunner().invoke(main, args, prog_name="relcheck")
    assert text.exit_code == 0, text.output
    section = text.stdout.split("By effect")[1].split("Root causes")[0]
    rows = {}
    for line in section.splitlines():
        parts = line.split()
        if parts and parts[0] in ("added_places", "dropped_places", "common_places", "(total)"):
            rows[parts[0]] = (parts[1] if len(parts) == 3 else "", float(parts[-1].replace(",", "")))
    # r1 -> r2: p6 (w) added, p5 (w) dropped, p1 up by 0.5 w on common places: delta +0.5 w.
    assert rows["added_places"] == ("1", S) and rows["dropped_places"] == ("1", -S)
    assert rows["common_places"][0] == "4"
    printed = rows["added_places"][1] + rows["dropped_places"][1] + rows["common_places"][1]
    assert abs(printed - rows["(total)"][1]) < 1e-6 * S and abs(rows["(total)"][1] - 0.5 * S) < 1e-6 * S
    as_json = CliRunner().invoke(main, [*args, "--format", "json"], prog_name="relcheck")
    eff = json.loads(as_json.stdout)["by_effect"]
    assert eff["dropped_places_delta"] == -S and eff["places_dropped"] == 1
    assert abs(eff["added_places_delta"] + eff["dropped_places_delta"] + eff["common_places_delta"] - 0.5 * S) < 1e-9


def test_attribute_says_the_causes_in_words_and_when_the_releases_part(gate_store: Store, tmp_path: Path) -> None:
    """The table output leads with the plain-words causes and the divergence line; the JSON carries the same
    sentence and ``diverges_from`` (a date or null)."""
    holders = tmp_path / "stakeholders.toml"
    holders.write_text(STAKEHOLDERS_TOML, encoding="utf-8")
    args = ["attribute", "--home", str(gate_store.home), "--current", "r1", "--candidate", "r2",
            "--scope", "customer:freshco", "--stakeholders", str(holders)]
    as_json = CliRunner().invoke(main, [*args, "--format", "json"], prog_name="relcheck")
    assert as_json.exit_code == 0, as_json.output
    doc = json.loads(as_json.stdout)
    assert "diverges_from" in doc and (doc["diverges_from"] is None or len(doc["diverges_from"]) == 10)
    words = doc["causes"]["text"]
    assert words.startswith("poi_db changed")  # the component that made FreshCo's change, first
    text = CliRunner().invoke(main, args, prog_name="relcheck").stdout
    assert f"Causes in plain words: {words}" in text and "Divergence: " in text
