"""The store's append-only JSONL logs (promotions, sign-offs, gate runs) and its whole-file JSON documents (the
catalog, saved scopes): safe for concurrent writers, never seen half-written."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import threading
from pathlib import Path
from typing import Any


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def write_json_atomic(path: Path, doc: Any, **dump: Any) -> None:
    """Replace ``path`` with ``doc`` as JSON in one rename, file and folder fsynced: a reader sees the old
    document or the new one, never a part (``dump``: json.dump's options)."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, **dump)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def append_jsonl(path: Path, record: dict[str, Any]) -> None:
    """Append one record under an exclusive lock, fsynced: safe for concurrent writers."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Read every complete record; a torn last line from a crash is ignored, never 'repaired'."""
    if not path.exists():
        return []
    out = []
    with open(path, "rb") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_SH)
        data = fh.read()
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    for raw in data.split(b"\n"):
        if not raw.strip():
            continue
        try:
            out.append(json.loads(raw))
        except json.JSONDecodeError:
            continue
    return out
