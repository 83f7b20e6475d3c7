"""Named ad-hoc scopes in the store (store/saved_scopes.py): saved, listed, reopened, replaced, deleted."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from dashboard.errors import NotFoundError, RelcheckError
from dashboard.store.saved_scopes import (
    FILE_NAME,
    check_name,
    delete_scope,
    get_scope,
    list_scopes,
    save_scope,
    saved_scope,
)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "store").mkdir()
    return tmp_path / "store"


def test_save_list_reopen_and_delete(home):
    assert list_scopes(home) == []
    kept = save_scope(home, saved_scope("gyms west", categories=["Fitness"], regions=["W"], stage="closing"))
    save_scope(home, saved_scope("Acme", brands=["FreshCo"], places=["p9"], kind="customer", tier="key"))
    assert [s.name for s in list_scopes(home)] == ["Acme", "gyms west"]
    again = get_scope(home, "gyms west")
    assert again == kept and again.saved_at and (again.categories, again.stage) == (("Fitness",), "closing")
    delete_scope(home, "Acme")
    assert [s.name for s in list_scopes(home)] == ["gyms west"]
    with pytest.raises(NotFoundError, match="saved: gyms west"):
        delete_scope(home, "Acme")


def test_an_existing_name_is_refused_unless_replaced(home):
    save_scope(home, saved_scope("x", brands=["A"]))
    with pytest.raises(RelcheckError, match="already saved"):
        save_scope(home, saved_scope("x", brands=["B"]))
    save_scope(home, saved_scope("x", brands=["B"]), overwrite=True)
    assert get_scope(home, "x").brands == ("B",)


@pytest.mark.parametrize("bad", ["", "  ", "-lead", "a/b", "x" * 65, "new\nline"])
def test_bad_names_are_refused_with_the_rule(home, bad):
    with pytest.raises(RelcheckError, match="bad scope name"):
        save_scope(home, saved_scope(bad, brands=["A"]))
    assert not (home / FILE_NAME).exists()


def test_names_are_trimmed_and_empty_or_odd_scopes_refused(home):
    assert check_name("  Pacific Fitness (W)  ") == "Pacific Fitness (W)"
    with pytest.raises(RelcheckError, match="nothing to keep"):
        save_scope(home, saved_scope("empty"))
    with pytest.raises(RelcheckError, match="stage"):
        save_scope(home, saved_scope("x", brands=["A"], stage="won"))


def test_unknown_name_suggests_a_close_one(home):
    save_scope(home, saved_scope("gyms west", brands=["A"]))
    with pytest.raises(NotFoundError, match="did you mean 'gyms west'"):
        get_scope(home, "gym west")


def test_a_damaged_file_is_reported_never_overwritten(home):
    (home / FILE_NAME).write_text("{not json", encoding="utf-8")
    with pytest.raises(RelcheckError, match="cannot be read"):
        list_scopes(home)
    with pytest.raises(RelcheckError, match="cannot be read"):
        save_scope(home, saved_scope("x", brands=["A"]))
    assert (home / FILE_NAME).read_text(encoding="utf-8") == "{not json"


def test_no_store_folder_no_write(tmp_path):
    with pytest.raises(RelcheckError, match="no store"):
        save_scope(tmp_path / "absent", saved_scope("x", brands=["A"]))


def test_concurrent_savers_lose_nothing_and_leave_no_temporary_file(home):
    threads = [threading.Thread(target=save_scope, args=(home, saved_scope(f"s{i}", brands=["A"])))
               for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(list_scopes(home)) == 12
    assert json.loads((home / FILE_NAME).read_text(encoding="utf-8"))["format"] == 1
    assert sorted(p.name for p in home.iterdir() if "tmp" in p.name) == []
