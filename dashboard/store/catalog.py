"""The release store: Parquet snapshots per release, a catalog, append-only logs.

Layout under ``RELCHECK_HOME`` (default ``./relcheck_store``)::

    catalog.json                      the visible releases (replaced atomically)
    releases/<id>/<token>/            one immutable folder per ingest
        visits.parquet                the snapshot's visits, long form
        places.parquet                the snapshot's places table
        place_daily.parquet           visits summed per place and day (exact rollup)
        place_source.parquet          visits summed per place, source and segment over all dates (exact rollup)
        label_daily.parquet           visits summed per category, region and brand and day (exact rollup)
        manifest.json                 release.toml as ingested, checksum, coverage
    logs/promotions.jsonl             which release went to production, when, by whom
    logs/signoffs.jsonl               sign-offs of failed criteria (append-only)
    logs/gate_runs.jsonl              every gate verdict

A release becomes visible only when the catalog names it, so a crash during an
ingest leaves nothing half-written in view. The catalog can be rebuilt from the manifests
(``relcheck repair``, :mod:`dashboard.store.repair`); a store whose catalog is missing or
unreadable is never cleaned up, only reported. The engine (:mod:`dashboard.sql.duckdb_engine`) runs in
memory over the Parquet files; nothing holds a database file open, so readers never block.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dashboard.errors import NotFoundError, RelcheckError
from dashboard.sql import engine as engines
from dashboard.store.logs import append_jsonl as append_jsonl
from dashboard.store.logs import read_jsonl as read_jsonl
from dashboard.store.logs import utc_now as utc_now
from dashboard.store.logs import write_json_atomic
from dashboard.store.release import Release as Release
from dashboard.store.release import release_from_entry

if TYPE_CHECKING:
    from dashboard.sql.duckdb_engine import DuckDBEngine

DEFAULT_HOME = "relcheck_store"

#: How long a folder that no longer backs a release (replaced, or left by a crash) is kept before a later
#: ingest removes it. See :meth:`Store.publish` for why readers are protected by time, not by a lock.
RETIRED_GRACE_SECONDS = 6 * 3600
#: Marker file written into a replaced release's old folder: its content is the time it was retired.
RETIRED_MARKER = ".retired"


class CatalogError(RelcheckError):
    """catalog.json is missing (while releases are on disk) or unreadable: say how to rebuild, delete nothing."""


def default_home() -> Path:
    return Path(os.environ.get("RELCHECK_HOME", DEFAULT_HOME))


def _instant(created_at: str) -> dt.datetime:
    """created_at as an aware instant, so offsets compare by time, not as text; naive or date-only is UTC."""
    try:
        t = dt.datetime.fromisoformat(created_at)
    except ValueError:
        return dt.datetime.min.replace(tzinfo=dt.UTC)
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def _catalog_shape_ok(catalog: object) -> bool:
    """The few keys every reader relies on, so a truncated or foreign JSON file is not taken for a catalog."""
    if not isinstance(catalog, dict) or not isinstance(catalog.get("releases"), dict):
        return False
    if not isinstance(catalog.get("next_sequence"), int):
        return False
    needed = ("release_id", "kind", "created_at", "ingested_at", "sequence", "checksum", "folder")
    return all(isinstance(e, dict) and all(k in e for k in needed) for e in catalog["releases"].values())


def _retired_at(folder: Path) -> float:
    """When a folder stopped backing a release: its retired marker's time, else (a crash's orphan) its own."""
    marker = folder / RETIRED_MARKER
    try:
        return marker.stat().st_mtime if marker.exists() else folder.stat().st_mtime
    except OSError:
        return time.time()


def _write_json(path: Path, payload: dict[str, Any]) -> None:
    path.write_text(json.dumps(payload, indent=1, sort_keys=True), encoding="utf-8")


class Store:
    """Access to one store folder. Cheap to build; holds one in-memory DuckDB root."""

    def __init__(self, home: Path | str | None = None) -> None:
        self.home = Path(home) if home is not None else default_home()
        self._root: DuckDBEngine | None = None
        self._root_lock = threading.Lock()

    # ---------------------------------------------------------------- paths
    @property
    def catalog_path(self) -> Path:
        return self.home / "catalog.json"

    @property
    def logs_dir(self) -> Path:
        return self.home / "logs"

    @property
    def signoffs_path(self) -> Path:
        return self.logs_dir / "signoffs.jsonl"

    @property
    def gate_runs_path(self) -> Path:
        return self.logs_dir / "gate_runs.jsonl"

    @property
    def promotions_path(self) -> Path:
        return self.logs_dir / "promotions.jsonl"

    def exists(self) -> bool:
        """A store is there when it has a catalog, or release folders (then reading it says how to repair it)."""
        return self.catalog_path.exists() or self.release_folders_exist()

    def release_folders_exist(self) -> bool:
        root = self.home / "releases"
        return root.is_dir() and any(d.is_dir() and any(d.iterdir()) for d in root.iterdir())

    # -------------------------------------------------------------- catalog
    def _repair_hint(self) -> str:
        return (f"nothing was changed or deleted; rebuild it from the manifests on disk with "
                f"`relcheck repair --home {self.home}`")

    def _read_catalog(self) -> dict[str, Any]:
        """The catalog; a fresh store (no catalog, no release folder) is empty.

        A missing catalog beside release folders, or an unreadable one, is an error: treating it as
        'nothing is live' once made the next ingest's cleanup delete every release.
        """
        if not self.catalog_path.exists():
            if self.release_folders_exist():
                raise CatalogError(f"{self.catalog_path} is missing but {self.home / 'releases'} holds release "
                                   f"folders; {self._repair_hint()}")
            return {"format": 1, "next_sequence": 1, "releases": {}}
        try:
            catalog = json.loads(self.catalog_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CatalogError(f"{self.catalog_path} cannot be read ({type(exc).__name__}); {self._repair_hint()}") from None
        if not _catalog_shape_ok(catalog):
            raise CatalogError(f"{self.catalog_path} is not a relcheck catalog (wrong structure); {self._repair_hint()}")
        return catalog

    def _write_catalog(self, catalog: dict[str, Any]) -> None:
        write_json_atomic(self.catalog_path, catalog, indent=1, sort_keys=True)

    @contextlib.contextmanager
    def writer_lock(self) -> Iterator[None]:
        """Serialise catalog writers (ingest, replace) across processes."""
        self.home.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.home / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def publish(self, entry: dict[str, Any], staged: Path, replace: bool) -> Release:
        """Move a fully written staging folder into place (a new folder) and name it in the catalog.

        A replaced release's old folder is NOT removed here: a command that resolved the release before
        the replace (chaos, gate, report, the dashboard) still reads its Parquet files, lazily, query by
        query. Readers take no lock and write nothing (a store may be read-only to them, and other engines
        read the Parquet directly), so no one can know when the last reader is done. The old folder is
        marked retired instead, and a later ingest removes retired folders older than
        ``RETIRED_GRACE_SECONDS`` (6 h, far longer than any command; a reader still holding it then gets
        a clear 'file not found' rather than a wrong answer). The catalog is written before the mark, so a
        crash in between leaves two unmarked folders, which ``repair`` reports instead of guessing.
        """
        rid = entry["release_id"]
        with self.writer_lock():
            catalog = self._read_catalog()
            old = catalog["releases"].get(rid)
            if old is not None and not replace:
                raise RelcheckError(f"release '{rid}' already exists in {self.home}; use --replace to replace it")
            final = self.home / "releases" / rid / staged.name
            final.parent.mkdir(parents=True, exist_ok=True)
            entry = dict(entry)
            entry["folder"] = str(final.relative_to(self.home))
            entry["sequence"] = old["sequence"] if old else catalog["next_sequence"]
            # The manifest carries the sequence too, so `repair` restores the ingest order exactly.
            _write_json(staged / "manifest.json", {k: v for k, v in entry.items() if k != "folder"})
            # The .pid kept the staging folder from clean_stale_staging (which runs under this lock) until now.
            (staged / ".pid").unlink(missing_ok=True)
            os.replace(staged, final)
            if not old:
                catalog["next_sequence"] += 1
            catalog["releases"][rid] = entry
            self._write_catalog(catalog)
            if old is not None and old["folder"] != entry["folder"]:
                old_folder = self.home / old["folder"]
                if old_folder.is_dir():
                    (old_folder / RETIRED_MARKER).write_text(utc_now(), encoding="utf-8")
        return release_from_entry(self.home, entry)

    def staging_dir(self) -> Path:
        return self.home / ".staging"

    def clean_stale_staging(self) -> None:
        """Staging folders of crashed ingests are invisible; remove those no process holds.

        Call it under ``writer_lock``: a live ingest creates its folder and .pid, and removes
        the .pid when publishing, under the same lock.
        """
        self._remove_orphan_release_folders()
        sdir = self.staging_dir()
        if not sdir.exists():
            return
        for child in sdir.iterdir():
            pid_file = child / ".pid"
            try:
                pid = int(pid_file.read_text())
                os.kill(pid, 0)
                continue  # still being written by a live process
            except (OSError, ValueError):
                shutil.rmtree(child, ignore_errors=True)

    def _remove_orphan_release_folders(self) -> None:
        """Remove folders no release uses any more, once they are older than the grace period.

        Two kinds: the old folder of a replaced release (marked retired; kept for readers, see ``publish``)
        and a folder a crash left between moving it into place and naming it in the catalog. The catalog is
        the truth, so it must be readable: ``_read_catalog`` raises when it is missing or corrupt, and
        nothing is removed then.
        """
        root = self.home / "releases"
        if not root.exists():
            return
        live = {self.home / e["folder"] for e in self._read_catalog()["releases"].values()}
        now = time.time()
        for release_dir in root.iterdir():
            for folder in release_dir.iterdir() if release_dir.is_dir() else ():
                if folder.is_dir() and folder not in live and now - _retired_at(folder) > RETIRED_GRACE_SECONDS:
                    shutil.rmtree(folder, ignore_errors=True)
            if release_dir.is_dir() and not any(release_dir.iterdir()):
                release_dir.rmdir()

    # ------------------------------------------------------------- releases
    def releases(self) -> list[Release]:
        catalog = self._read_catalog()
        rels = [release_from_entry(self.home, e) for e in catalog["releases"].values()]
        return sorted(rels, key=lambda r: r.sequence)

    def release_ids(self) -> list[str]:
        return [r.release_id for r in self.releases()]

    def release(self, release_id: str) -> Release:
        catalog = self._read_catalog()
        entry = catalog["releases"].get(release_id)
        if entry is None:
            known = ", ".join(self.release_ids()) or "none (run `relcheck sample` or `relcheck ingest FOLDER`)"
            raise NotFoundError(f"unknown release '{release_id}'; releases in {self.home}: {known}")
        return release_from_entry(self.home, entry)

    def promotions(self) -> list[dict[str, Any]]:
        return read_jsonl(self.promotions_path)

    def promote(self, release_id: str, by: str = "", reason: str = "") -> dict[str, Any]:
        rel = self.release(release_id)
        if rel.kind != "release":
            raise RelcheckError(f"release '{release_id}' is an ablation run; only kind 'release' can be promoted")
        record = {"release_id": release_id, "at": utc_now(), "by": by, "reason": reason}
        append_jsonl(self.promotions_path, record)
        return record

    def current_id(self) -> str:
        """The release in production: the last promoted, else the first ingested release."""
        known = set(self.release_ids())
        for rec in reversed(self.promotions()):
            if rec.get("release_id") in known:
                return rec["release_id"]
        for rel in self.releases():
            if rel.kind == "release":
                return rel.release_id
        raise NotFoundError(
            f"the store {self.home} holds no release; run `relcheck sample` or `relcheck ingest FOLDER`"
        )

    def default_candidate_id(self, current: str | None = None) -> str:
        """The newest other release of kind 'release' (by created_at, then ingest order)."""
        current = current or self.current_id()
        others = [r for r in self.releases() if r.kind == "release" and r.release_id != current]
        if not others:
            raise NotFoundError(
                f"no candidate: the store {self.home} holds no release other than '{current}'; "
                "ingest one with `relcheck ingest FOLDER`"
            )
        return max(others, key=lambda r: (_instant(r.created_at), r.sequence)).release_id

    def pair(self, current: str | None = None, candidate: str | None = None) -> tuple[str, str]:
        """The release pair every command and page compares: defaults filled in, both known, never the same.

        Defaults: the release in production, and the newest other release of kind "release".
        """
        cur = current or self.current_id()
        cand = candidate or self.default_candidate_id(cur)
        self.release(cur)
        self.release(cand)
        if cur == cand:
            raise RelcheckError(
                f"current and candidate are the same release '{cur}'; pick two different releases"
            )
        return cur, cand

    # ---------------------------------------------------------------- engine
    def cursor(self) -> DuckDBEngine:
        """A fresh engine connection on the shared in-memory root: DuckDB 2.x wants one per thread/query.

        The engine loads on first use, so commands that only read the catalog start fast.
        """
        chosen = engines.settings()
        engines.check_settings(chosen)
        if chosen.name == "spark":  # the same queries on Spark (issue 13): $RELCHECK_ENGINE or --engine
            from dashboard.sql import spark_engine  # pyspark loads only when the first Spark session starts

            return spark_engine.connect(chosen)
        from dashboard.sql import duckdb_engine  # heavy (duckdb): only when a query runs

        with self._root_lock:
            if self._root is None:
                self._root = duckdb_engine.connect()
            return self._root.cursor()

    def register_release(self, engine: DuckDBEngine, release: Release, suffix: str) -> None:
        """Expose a release to SQL as visits_<suffix>, places_<suffix>, daily_<suffix>."""
        engine.register_parquet(f"visits_{suffix}", release.visits_path)
        engine.register_parquet(f"places_{suffix}", release.places_path)
        engine.register_parquet(f"daily_{suffix}", release.place_daily_path)
