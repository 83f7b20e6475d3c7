"""The memory budget and the spill folder of every engine connection, and what to say when they run out.

Why: a release of hundreds of millions of rows does not fit in memory, in any row order. DuckDB keeps
within a memory limit by spilling its aggregates, joins and sorts to a temporary folder, so every command
runs in bounded memory at any size, as long as the disk has room. The budget is the whole process's:
``$RELCHECK_MEMORY`` (default 2GB); DuckDB gets :data:`ENGINE_SHARE` of it, the rest is for Python, the
libraries and what DuckDB allocates outside its buffer pool. Spill files go to ``$RELCHECK_SPILL_DIR``
(default: the system's temporary folder), in a private folder per connection that DuckDB creates only when
it spills and removes when the connection closes. No duckdb import here: the CLI reads it at start.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from dashboard.errors import RelcheckError

DEFAULT_MEMORY = "2GB"
MEMORY_ENV = "RELCHECK_MEMORY"
SPILL_ENV = "RELCHECK_SPILL_DIR"
THREADS_ENV = "RELCHECK_THREADS"
#: Cap on the spill folder's size (a DuckDB size); default: the free space of its disk.
SPILL_MAX_ENV = "RELCHECK_SPILL_MAX"
#: DuckDB's share of the budget. Measured: at 2GB a whole `relcheck ingest` of 500,000 places peaks under it.
ENGINE_SHARE = 0.6
#: DuckDB's share per thread (every connection): 512 MiB, so two threads at the default budget (1.2 GB for DuckDB).
ENGINE_BYTES_PER_THREAD = 2**29

_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}
_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([a-z]*)\s*$", re.IGNORECASE)


class ResourceError(RelcheckError):
    """Memory or disk ran out (or cannot be used): what ran out and which setting changes it; exit 2."""


def parse_size(text: str, name: str = MEMORY_ENV) -> int:
    """Bytes of a size such as ``2GB``, ``1.5GiB`` or ``500MB`` (GB = 10^9 bytes, as DuckDB counts)."""
    m = _SIZE.match(text)
    unit = m.group(2).lower() if m else ""
    if not m or unit not in _UNITS:
        raise RelcheckError(f"${name}={text!r} is not a size; write it like 2GB, 1.5GB or 500MB")
    return int(float(m.group(1)) * _UNITS[unit])


def _show(n: int) -> str:
    return f"{n / 10**9:.3g} GB" if n >= 10**9 else f"{n / 10**6:.3g} MB"


@dataclass(frozen=True)
class Budget:
    """The settings one connection gets: DuckDB's memory limit, its spill folder, its threads."""

    total: int              # the process's budget, bytes
    spill_parent: Path      # where private spill folders are made
    threads: int | None = None
    spill_max: str | None = None

    @property
    def engine_bytes(self) -> int:
        return int(self.total * ENGINE_SHARE)

    def engine_threads(self, cores: int | None = None) -> int:
        """Threads of every DuckDB connection: one per :data:`ENGINE_BYTES_PER_THREAD` of DuckDB's share (two at
        the default budget), at least one, at most the cores, unless $RELCHECK_THREADS says. Why: DuckDB's
        aggregates, sorts and windows need memory per thread; the ingest sizes its parts of places by the
        threads (dashboard.store.ingest), and readers their ranges of places (dashboard.engine.place_ranges)."""
        if self.threads:
            return self.threads
        cores = cores or os.cpu_count() or 1
        return max(1, min(cores, self.engine_bytes // ENGINE_BYTES_PER_THREAD))

    def describe(self) -> str:
        return f"{_show(self.total)} (${MEMORY_ENV}; DuckDB's share {_show(self.engine_bytes)})"

    def config(self, spill: Path) -> dict[str, str]:
        """DuckDB settings for a connection spilling to ``spill`` (made by DuckDB when first needed)."""
        out = {"memory_limit": f"{self.engine_bytes}B", "temp_directory": str(spill),
               "threads": str(self.engine_threads())}
        if self.spill_max:
            out["max_temp_directory_size"] = self.spill_max
        return out


def current() -> Budget:
    """The budget from the environment (read on every new connection, so a test or a caller can set it)."""
    total = parse_size(os.environ.get(MEMORY_ENV) or DEFAULT_MEMORY)
    parent = Path(os.environ.get(SPILL_ENV) or tempfile.gettempdir())
    threads_text = (os.environ.get(THREADS_ENV) or "").strip()
    if threads_text and not (threads_text.isdigit() and int(threads_text) > 0):
        raise RelcheckError(f"${THREADS_ENV}={threads_text!r} is not a positive whole number")
    spill_max = (os.environ.get(SPILL_MAX_ENV) or "").strip() or None
    if spill_max:
        parse_size(spill_max, SPILL_MAX_ENV)
    return Budget(total, parent, int(threads_text) if threads_text else None, spill_max)


def spill_path(budget: Budget, prefix: str) -> Path:
    """A new private spill path under the budget's parent, not made yet: DuckDB makes it when it first spills
    and removes it when the connection closes. The parent is made here, and the spill folders of processes
    that died before closing (named ``<prefix><pid>-``) are removed."""
    parent = budget.spill_parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        if not parent.is_dir() or not os.access(parent, os.W_OK):
            raise NotADirectoryError(errno.ENOTDIR, "not a writable folder", str(parent))
    except OSError as exc:
        raise ResourceError(
            f"the spill folder {parent} cannot be used ({exc.strerror or exc}); "
            f"set ${SPILL_ENV} to a writable folder on a disk with room"
        ) from None
    sweep_stale(parent, prefix)
    return parent / f"{prefix}{os.getpid()}-{uuid.uuid4().hex[:8]}"


def sweep_stale(parent: Path, prefix: str) -> None:
    """Remove spill folders under ``parent`` left by processes that are gone (``<prefix><pid>-...``)."""
    try:
        olds = list(parent.glob(f"{prefix}*"))
    except OSError:
        return
    for old in olds:
        pid = old.name[len(prefix):].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


#: How an engine begins the note it adds to an error of one of its stored queries (``queries/<name>.sql``).
QUERY_NOTE = "relcheck query: "


def failing_query(exc: BaseException) -> str | None:
    """The stored query an engine error came from, when the engine noted it."""
    for note in getattr(exc, "__notes__", ()):
        if note.startswith(QUERY_NOTE):
            return note[len(QUERY_NOTE):]
    return None


def _engine_out_of_memory(exc: BaseException) -> bool:
    """DuckDB says "Out of Memory" both when its memory limit is hit and when its spill folder is full."""
    return type(exc).__name__ == "OutOfMemoryException" or "Out of Memory Error" in str(exc)


def _spill_full(exc: BaseException) -> bool:
    text = str(exc)
    return "max_temp_directory_size" in text or "offload" in text


def out_of_memory(exc: BaseException) -> bool:
    """Whether an engine error means its memory limit was hit (not its spill folder full: that needs room)."""
    return _engine_out_of_memory(exc) and not _spill_full(exc)


def explain(exc: BaseException, budget: Budget | None = None) -> ResourceError | None:
    """A plain message for an engine or OS error that means memory or disk ran out; None for any other error.

    DuckDB says "Out of Memory" both when its memory limit is hit and when its spill folder is full
    (``max_temp_directory_size``, by default the free space of that disk).
    """
    budget = budget or _safe_current()
    name, text = type(exc).__name__, str(exc)
    first = text.splitlines()[0] if text else name
    spill = budget.spill_parent if budget else Path(tempfile.gettempdir())
    how_disk = (f"free space there, or set ${SPILL_ENV} to a folder on a disk with room"
                + (f" (and raise ${SPILL_MAX_ENV})" if os.environ.get(SPILL_MAX_ENV) else ""))
    if _engine_out_of_memory(exc) and _spill_full(exc):
        return ResourceError(f"out of disk for spilling: the spill folder under {spill} is full ({first}); "
                             f"{how_disk}; nothing was published")
    if out_of_memory(exc):
        what = budget.describe() if budget else f"${MEMORY_ENV}"
        query = failing_query(exc)
        where = f" in query {query}" if query else ""
        return ResourceError(f"out of memory{where}: the budget of {what} is too small for this data ({first}); "
                             f"raise ${MEMORY_ENV} (e.g. {MEMORY_ENV}=4GB), or make sure ${SPILL_ENV} "
                             "points at a disk with room so more can spill; nothing was published")
    no_space = (isinstance(exc, OSError) and exc.errno == errno.ENOSPC) or "No space left on device" in text
    if no_space:
        return ResourceError(f"out of disk space ({first}); free space on that disk, or set ${SPILL_ENV} "
                             "to a folder on another disk if it was the spill folder; nothing was published")
    if name == "IOException" and ("temp" in text.lower() or str(spill) in text):
        return ResourceError(f"the spill folder under {spill} cannot be used ({first}); {how_disk}; "
                             "nothing was published")
    return None


def _safe_current() -> Budget | None:
    try:
        return current()
    except RelcheckError:
        return None
