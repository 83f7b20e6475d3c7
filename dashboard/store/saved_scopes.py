"""Named ad-hoc scopes kept in the store, so a sales engineer's edge-case check can be reopened later.

Why in the store and not only as a downloaded snippet: a scope under investigation is not yet a stakeholder
(nobody reviewed it into the stakeholders file), but the people checking a prospect return to it release
after release. The scopes live in one small JSON file, ``<store>/saved_scopes.json``, rewritten atomically
(temporary file, fsync, rename) under its own lock, so readers never see half a file and two savers never
lose each other's scope. Bad names and unknown scopes raise RelcheckError (exit-2 errors, shown by the page).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from dashboard.errors import NotFoundError, RelcheckError, suggest
from dashboard.stakeholders.model import STAGES, TIERS
from dashboard.store.logs import utc_now, write_json_atomic

FILE_NAME = "saved_scopes.json"
FORMAT = 1
NAME_RULE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._'&()-]{0,63}")
KINDS: tuple[str, ...] = ("deal", "customer")
MAX_SCOPES = 500


@dataclass(frozen=True)
class SavedScope:
    """An ad-hoc scope (places matching every non-empty filter, plus places) and how it is checked."""

    name: str
    brands: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    kind: str = "deal"  # checked as a deal (of ``stage``) or a customer (of ``tier``)
    tier: str = "standard"
    stage: str = "trial"
    saved_at: str = ""

    @property
    def empty(self) -> bool:
        return not (self.brands or self.categories or self.regions or self.places)

    def to_json(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


def path_of(home: Path) -> Path:
    return Path(home) / FILE_NAME


def check_name(name: str) -> str:
    """The name, trimmed, if it is a valid scope name; RelcheckError saying the rule otherwise."""
    text = (name or "").strip()
    if not NAME_RULE.fullmatch(text):
        raise RelcheckError(
            f"bad scope name {text!r}: use 1 to 64 letters, digits, spaces or . _ ' & ( ) -, starting with a "
            "letter or digit"
        )
    return text


def _strings(value: object, field: str, source: Path) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RelcheckError(f"{source}: field '{field}' of a saved scope must be a list of text")
    return tuple(value)


def _from_json(name: str, raw: object, source: Path) -> SavedScope:
    if not isinstance(raw, dict):
        raise RelcheckError(f"{source}: saved scope {name!r} is not a table; fix or delete the file")
    return SavedScope(
        name=name,
        brands=_strings(raw.get("brands", []), "brands", source),
        categories=_strings(raw.get("categories", []), "categories", source),
        regions=_strings(raw.get("regions", []), "regions", source),
        places=_strings(raw.get("places", []), "places", source),
        kind=str(raw.get("kind", "deal")),
        tier=str(raw.get("tier", "standard")),
        stage=str(raw.get("stage", "trial")),
        saved_at=str(raw.get("saved_at", "")),
    )


def _read(path: Path) -> dict[str, SavedScope]:
    if not path.exists():
        return {}
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RelcheckError(f"{path} cannot be read ({type(exc).__name__}); fix or delete it") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("scopes"), dict):
        raise RelcheckError(f"{path} is not a saved-scopes file (no 'scopes' table); fix or delete it")
    return {name: _from_json(name, raw, path) for name, raw in doc["scopes"].items()}


def _write(path: Path, scopes: dict[str, SavedScope]) -> None:
    doc = {"format": FORMAT, "scopes": {n: {k: v for k, v in s.to_json().items() if k != "name"}
                                        for n, s in sorted(scopes.items())}}
    write_json_atomic(path, doc, indent=1, ensure_ascii=False)


@contextlib.contextmanager
def _locked(home: Path) -> Iterator[Path]:
    """The file's path, with an exclusive lock on it held: read-modify-write without lost updates."""
    home = Path(home)
    if not home.is_dir():
        raise RelcheckError(f"no store at {home}: run `relcheck sample` or `relcheck ingest FOLDER` first")
    fd = os.open(home / f".{FILE_NAME}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield path_of(home)
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def list_scopes(home: Path) -> list[SavedScope]:
    """Every saved scope, by name (case-insensitive)."""
    return sorted(_read(path_of(home)).values(), key=lambda s: (s.name.casefold(), s.name))


def get_scope(home: Path, name: str) -> SavedScope:
    """One saved scope; an unknown name lists the ones that exist."""
    scopes = _read(path_of(home))
    if name not in scopes:
        raise NotFoundError(_unknown(name, scopes))
    return scopes[name]


def _unknown(name: str, scopes: dict[str, SavedScope]) -> str:
    known = sorted(scopes)
    return (f"no saved scope {name!r}{suggest(name, known)}; saved: {', '.join(known) if known else '(none)'}")


def _check(scope: SavedScope) -> SavedScope:
    name = check_name(scope.name)
    if scope.empty:
        raise RelcheckError(f"scope {name!r} has no brand, category, region or place: nothing to keep")
    if scope.kind not in KINDS:
        raise RelcheckError(f"a saved scope is checked as a {' or a '.join(KINDS)}, not {scope.kind!r}")
    if scope.tier not in TIERS:
        raise RelcheckError(f"tier must be one of {', '.join(TIERS)}; got {scope.tier!r}")
    if scope.stage not in STAGES:
        raise RelcheckError(f"stage must be one of {', '.join(STAGES)}; got {scope.stage!r}")
    return replace(scope, name=name)


def save_scope(home: Path, scope: SavedScope, *, overwrite: bool = False) -> SavedScope:
    """Keep ``scope`` under its name (stamped with the time); an existing name is refused unless ``overwrite``."""
    scope = _check(scope)
    with _locked(home) as path:
        scopes = _read(path)
        if scope.name in scopes and not overwrite:
            raise RelcheckError(f"a scope named {scope.name!r} is already saved: pick another name or replace it")
        if scope.name not in scopes and len(scopes) >= MAX_SCOPES:
            raise RelcheckError(f"{path} already keeps {MAX_SCOPES} scopes: delete some first")
        scope = replace(scope, saved_at=utc_now())
        scopes[scope.name] = scope
        _write(path, scopes)
    return scope


def delete_scope(home: Path, name: str) -> None:
    """Forget one saved scope; an unknown name is refused, listing the saved ones."""
    with _locked(home) as path:
        scopes = _read(path)
        if name not in scopes:
            raise NotFoundError(_unknown(name, scopes))
        del scopes[name]
        _write(path, scopes)


def saved_scope(
    name: str,
    brands: Sequence[str] = (),
    categories: Sequence[str] = (),
    regions: Sequence[str] = (),
    places: Sequence[str] = (),
    *,
    kind: str = "deal",
    tier: str = "standard",
    stage: str = "trial",
) -> SavedScope:
    """A SavedScope from lists (as pickers give them)."""
    return SavedScope(name, tuple(brands), tuple(categories), tuple(regions), tuple(places), kind, tier, stage)
