"""Crash safety of the ingest (a killed ingest leaves nothing) and the append-only logs under concurrent writers.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from snapshots import write_snapshot
from store.ingest_support import (
    base_visits,
    snapshot,
    tree_state,
)

from dashboard.store.catalog import Store, append_jsonl, read_jsonl
from dashboard.store.ingest import SPILL_PREFIX, ingest_release

# ---------------------------------------------------------------- crash safety


def relcheck_exe() -> str:
    return shutil.which("relcheck") or str(Path(sys.executable).parent / "relcheck")


def big_snapshot(folder: Path, release_id: str, n_rows: int) -> Path:
    n_places = 1000
    days = n_rows // n_places
    start = dt.date(2025, 1, 1)
    dates = [(start + dt.timedelta(days=d)).isoformat() for d in range(days)]
    visits = pd.DataFrame({
        "place_id": [f"p{i:05d}" for i in range(n_places) for _ in range(days)],
        "date": dates * n_places,
        "source": "sdk_a",
        "visits": [float(i % 97) for i in range(n_places * days)],
    })
    places = pd.DataFrame({"place_id": [f"p{i:05d}" for i in range(n_places)], "name": "n", "brand": "b",
                           "category": "c", "region": "r"})
    return write_snapshot(folder, release_id, visits, places, fmt="csv")


def staged_pids(store: Store) -> list[str]:
    """The pids written into staging folders so far (a .pid may exist a moment before its content)."""
    pids = []
    for pid_file in store.staging_dir().glob("*/.pid"):
        try:
            pids.append(pid_file.read_text())
        except OSError:
            continue
    return [p for p in pids if p]


def test_kill_during_ingest_leaves_no_partial_release(tmp_path: Path, populated_template: Path) -> None:
    n_rows = 300_000
    for attempt in range(3):
        store = Store(tmp_path / f"store{attempt}")
        shutil.copytree(populated_template, store.home)
        catalog_before = store.catalog_path.read_bytes()
        folder = big_snapshot(tmp_path / f"big{attempt}", "big", n_rows)
        proc = subprocess.Popen([relcheck_exe(), "ingest", str(folder), "--home", str(store.home)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        killed = False
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and proc.poll() is None:
            if staged_pids(store):  # staged and being written
                proc.send_signal(signal.SIGKILL)
                killed = True
                break
            time.sleep(0.001)
        _, stderr = proc.communicate(timeout=15)
        if killed and store.release_ids() == ["existing-1"]:
            break
        # Too late: the ingest finished (or published) before the kill. Try again with a bigger file.
        assert killed or proc.returncode == 0, stderr.decode()
        n_rows *= 2
    else:
        pytest.fail("the ingest always finished before it could be killed")
    assert proc.returncode == -signal.SIGKILL

    # Nothing of the killed ingest is visible: same catalog, same releases, no release folder.
    assert store.catalog_path.read_bytes() == catalog_before
    assert store.release_ids() == ["existing-1"]
    assert not (store.home / "releases" / "big").exists()
    assert len(list(store.staging_dir().iterdir())) == 1
    assert staged_pids(store) == [str(proc.pid)]
    spill = f"{SPILL_PREFIX}{proc.pid}-*"
    assert list(Path(tempfile.gettempdir()).glob(spill)), "the killed ingest's spill folder is left behind"

    # The next ingest works and sweeps the dead ingest's staging and spill folders.
    rel = ingest_release(store, snapshot(tmp_path, name="after", release_id="after-crash"))
    assert store.release_ids() == ["existing-1", "after-crash"]
    assert rel.rows == len(base_visits())
    assert list(store.staging_dir().iterdir()) == []
    assert not list(Path(tempfile.gettempdir()).glob(spill))


def test_failure_while_writing_leaves_nothing(tmp_path: Path, populated: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    before = tree_state(populated.home)

    def boom(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(Store, "publish", boom)
    with pytest.raises(OSError, match="disk full"):
        ingest_release(populated, snapshot(tmp_path))
    assert tree_state(populated.home) == before
    assert list(populated.staging_dir().iterdir()) == []


def test_cleanup_spares_live_staging_and_removes_dead(tmp_path: Path, store: Store) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    sdir = store.staging_dir()
    for name, pid in [("live", str(os.getpid())), ("dead", str(dead.pid)), ("garbled", "not a pid")]:
        (sdir / name).mkdir(parents=True)
        (sdir / name / ".pid").write_text(pid)
    (sdir / "nopid").mkdir()
    ingest_release(store, snapshot(tmp_path))
    assert sorted(p.name for p in sdir.iterdir()) == ["live"]


def test_concurrent_cleanup_does_not_remove_an_ingest_about_to_publish(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another ingest's cleanup may run at any moment before publish; the staged release must survive it."""
    original = Store.publish

    def publish_after_a_cleanup(self: Store, entry: dict[str, Any], staged: Path, replace: bool) -> Any:
        with Store(self.home).writer_lock():
            Store(self.home).clean_stale_staging()  # what a second `relcheck ingest` does first
        return original(self, entry, staged, replace)

    monkeypatch.setattr(Store, "publish", publish_after_a_cleanup)
    rel = ingest_release(store, snapshot(tmp_path))
    assert rel.visits_path.is_file()
    assert not (rel.folder / ".pid").exists()


# ----------------------------------------------------------------- jsonl logs


def _append_many(path: str, writer: int, count: int, go: Any) -> None:
    go.wait(10)
    for i in range(count):
        append_jsonl(Path(path), {"writer": writer, "seq": i, "pad": f"{writer}" * 3000})


def test_concurrent_appends_keep_every_line(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "signoffs.jsonl"
    ctx = multiprocessing.get_context("fork")  # the children only append to a file
    go = ctx.Event()
    procs = [ctx.Process(target=_append_many, args=(str(log), w, 200, go)) for w in (1, 2)]
    for p in procs:
        p.start()
    go.set()
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    lines = log.read_bytes().split(b"\n")
    assert lines[-1] == b"" and len(lines) == 401
    records = [json.loads(line) for line in lines[:-1]]
    for w in (1, 2):
        mine = [r for r in records if r["writer"] == w]
        assert [r["seq"] for r in mine] == list(range(200))
        assert all(r["pad"] == f"{w}" * 3000 for r in mine)
    assert read_jsonl(log) == records


def test_read_jsonl_ignores_a_torn_last_line(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    append_jsonl(log, {"a": 1})
    with open(log, "ab") as fh:
        fh.write(b'{"a": 2, "tor')
    assert read_jsonl(log) == [{"a": 1}]
    assert read_jsonl(tmp_path / "absent.jsonl") == []


def test_orphan_release_folder_from_a_crash_before_the_catalog_is_removed(tmp_path):
    """A folder moved into releases/ but never named in the catalog is invisible and cleaned up."""
    from snapshots import daily_rows as _rows
    from snapshots import write_snapshot as _write

    from dashboard.store.catalog import RETIRED_GRACE_SECONDS
    from dashboard.store.catalog import Store as _Store
    from dashboard.store.ingest import ingest_release as _ingest

    st = _Store(tmp_path / "store")
    places = [{"place_id": "p1", "brand": "A", "category": "Grocery", "region": "W"}]
    _write(tmp_path / "r1", "r1", _rows("p1", "2026-11-02", [1, 2, 3]), places)
    _ingest(st, tmp_path / "r1")
    orphan = st.home / "releases" / "ghost" / "deadbeef"
    orphan.mkdir(parents=True)
    (orphan / "visits.parquet").write_bytes(b"half")
    assert st.release_ids() == ["r1"]
    # Swept once older than the grace period (a young one could be a replaced folder still being read).
    old = time.time() - RETIRED_GRACE_SECONDS - 60
    os.utime(orphan, (old, old))
    _write(tmp_path / "r2", "r2", _rows("p1", "2026-11-02", [1, 2, 3]), places)
    _ingest(st, tmp_path / "r2")
    assert not (st.home / "releases" / "ghost").exists()
    assert st.release_ids() == ["r1", "r2"]
    assert all(r.visits_path.exists() for r in st.releases())
