"""The release manifest (release.toml) of a snapshot: identity, components, and the limits it is checked against.

Nothing here reads data; :mod:`dashboard.store.contract` checks the visits and places with these limits.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dashboard import tomlfile
from dashboard.errors import ContractError, suggest

#: Matched with ``fullmatch``: ``$`` would also accept a trailing newline.
RELEASE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
#: Dates before this are refused, unless the manifest's [limits] first_date says otherwise.
FIRST_DATE = dt.date(1990, 1, 1)
#: Dates more than this many days after today are refused, unless [limits] last_date says otherwise.
LAST_DATE_AFTER_TODAY = 365
#: The longest window (last date minus first date, in days) a release may span, unless [limits] max_span_days.
MAX_SPAN_DAYS = 1830
#: A created_at further than this in the future is refused (it would be the default candidate forever).
CREATED_AT_SLACK = dt.timedelta(days=1)
LIMIT_KEYS = ("first_date", "last_date", "max_span_days")
#: C0 controls, DEL and C1 controls: they reach a terminal raw (escape sequences), so they are refused.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

#: "replicate": its base re-run with the same components and another random seed (its noise floor).
KINDS = ("release", "ablation", "replicate")
MANIFEST_KEYS = ("release_id", "created_at", "description", "kind", "base", "components", "limits")


@dataclass(frozen=True)
class Limits:
    """The plausibility limits on dates one snapshot is checked against (defaults, or its manifest's [limits])."""

    first_date: dt.date
    last_date: dt.date
    max_span_days: int = MAX_SPAN_DAYS

    @classmethod
    def default(cls, today: dt.date | None = None) -> Limits:
        today = today or dt.datetime.now(dt.UTC).date()
        return cls(FIRST_DATE, today + dt.timedelta(days=LAST_DATE_AFTER_TODAY))

    def describe(self) -> str:
        return f"from {self.first_date} to {self.last_date}; set [limits] first_date / last_date in release.toml to change"


@dataclass(frozen=True)
class Manifest:
    release_id: str
    created_at: str
    description: str
    kind: str
    base: str | None
    components: dict[str, str]
    raw: dict[str, Any] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits.default)


def _shown(value: object) -> object:
    """A refused value as it may be echoed: escaped (ascii) when it holds control characters, else as it is."""
    return ascii(value) if isinstance(value, str) and CONTROL.search(value) else value


def _control_free(path: Path, field_name: str, value: str, allowed: str = "") -> None:
    """Refuse control characters (escape sequences would reach the terminal raw); ``allowed`` are exempt."""
    bad = [c for c in CONTROL.findall(value) if c not in allowed]
    if bad:
        raise ContractError(
            str(path), "must not contain control characters", field=field_name,
            examples=[ascii(value)[:80]],
        )


def _parse_limits(path: Path, data: object) -> Limits:
    """The [limits] table of a manifest over the defaults; each key is optional."""
    limits = Limits.default()
    if data is None:
        return limits
    if not isinstance(data, dict):
        raise ContractError(str(path), "must be a table: [limits] first_date, last_date, max_span_days", field="limits")
    for key in data:
        if key not in LIMIT_KEYS:
            raise ContractError(str(path), f"unknown key{suggest(key, LIMIT_KEYS)}", field=f"limits.{key}")
    values: dict[str, Any] = {}
    for key in ("first_date", "last_date"):
        v = data.get(key)
        if v is None:
            continue
        if isinstance(v, dt.datetime) or not isinstance(v, dt.date):
            raise ContractError(str(path), "must be a TOML date (YYYY-MM-DD, unquoted)", field=f"limits.{key}", examples=[v])
        values[key] = v
    span = data.get("max_span_days")
    if span is not None:
        if isinstance(span, bool) or not isinstance(span, int) or not 1 <= span <= 100 * 366:
            raise ContractError(str(path), "must be a whole number of days from 1 to 36600", field="limits.max_span_days",
                                examples=[span])
        values["max_span_days"] = span
    limits = Limits(**{"first_date": limits.first_date, "last_date": limits.last_date,
                       "max_span_days": limits.max_span_days, **values})
    if limits.first_date > limits.last_date:
        raise ContractError(str(path), "first_date must not be after last_date", field="limits",
                            examples=[f"{limits.first_date} > {limits.last_date}"])
    return limits


def parse_manifest(path: Path) -> Manifest:
    refuse_symlink(path)
    if not path.is_file():
        raise ContractError(str(path), "release.toml is required in a release folder")
    data = tomlfile.parse(tomlfile.read_text(path, "release manifest"), str(path))
    problems: list[str] = []
    for key in data:
        if key not in MANIFEST_KEYS:
            raise ContractError(str(path), f"unknown key{suggest(key, MANIFEST_KEYS)}", field=key)
    rid = data.get("release_id")
    if not isinstance(rid, str) or not RELEASE_ID.fullmatch(rid):
        raise ContractError(
            str(path), "must match [A-Za-z0-9][A-Za-z0-9._-]{0,63}", field="release_id", examples=[_shown(rid)]
        )
    created = data.get("created_at")
    if isinstance(created, dt.datetime):
        created_s = created.isoformat()
    elif isinstance(created, dt.date):
        created_s = created.isoformat()
    elif isinstance(created, str):
        try:
            created_s = dt.datetime.fromisoformat(created.replace("Z", "+00:00")).isoformat()
        except ValueError:
            raise ContractError(str(path), "must be an ISO timestamp", field="created_at", examples=[created]) from None
    else:
        raise ContractError(str(path), "is required: an ISO timestamp", field="created_at", examples=[created])
    instant = dt.datetime.fromisoformat(created_s)
    instant = instant if instant.tzinfo else instant.replace(tzinfo=dt.UTC)
    if instant > dt.datetime.now(dt.UTC) + CREATED_AT_SLACK:
        raise ContractError(
            str(path), "must not be more than a day in the future (it would stay the default candidate forever)",
            field="created_at", examples=[created_s],
        )
    kind = data.get("kind", "release")
    if kind not in KINDS:
        raise ContractError(str(path), "must be 'release', 'ablation' or 'replicate'", field="kind", examples=[kind])
    base = data.get("base")
    if kind in ("ablation", "replicate"):
        if not isinstance(base, str) or not RELEASE_ID.fullmatch(base):
            what = "an ablation run needs the release id it starts from" if kind == "ablation" else \
                "a replicate needs the release id it re-runs"
            raise ContractError(str(path), what, field="base", examples=[_shown(base)])
    elif base is not None:
        raise ContractError(str(path), "only an ablation run has a base (and a replicate: kind = 'replicate')",
                            field="base", examples=[base])
    comps = data.get("components")
    if not isinstance(comps, dict) or not comps:
        raise ContractError(str(path), "is required: a table of pipeline component = version", field="components")
    for k, v in comps.items():
        if not isinstance(v, str) or not v:
            problems.append(k)
    if problems:
        raise ContractError(str(path), "component versions must be non-empty strings", field="components", examples=problems)
    for k, v in comps.items():
        _control_free(path, "components", str(k))
        _control_free(path, f"components.{k}" if not CONTROL.search(str(k)) else "components", str(v))
    desc = data.get("description", "")
    if not isinstance(desc, str):
        raise ContractError(str(path), "must be a string", field="description", examples=[desc])
    _control_free(path, "description", desc, allowed="\n\t")
    limits = _parse_limits(path, data.get("limits"))
    return Manifest(rid, created_s, desc, kind, base, {str(k): str(v) for k, v in comps.items()}, data, limits)


def check_base(manifest: Manifest, path: Path, releases: Mapping[str, tuple[str, Mapping[str, str]]]) -> None:
    """A replicate must re-run a stored release of kind "release" with exactly its components.

    ``releases``: release id -> (kind, components) of the store. Checked before anything is written, since a
    replicate with other components would pass a component change off as noise.
    """
    if manifest.kind != "replicate":
        return
    base = manifest.base or ""
    if base not in releases:
        raise ContractError(str(path), "a replicate's base must be a release already in the store (ingest it first)",
                            field="base", examples=[base])
    kind, components = releases[base]
    if kind != "release":
        raise ContractError(str(path), f"a replicate's base must be of kind 'release', not '{kind}'", field="base",
                            examples=[base])
    if dict(components) != manifest.components:
        differ = sorted(k for k in {*components, *manifest.components}
                        if components.get(k) != manifest.components.get(k))
        raise ContractError(str(path), f"a replicate must have exactly the components of its base '{base}'",
                            field="components",
                            examples=[f"{k} = {manifest.components.get(k)!r} (base: {components.get(k)!r})"
                                      for k in differ])


def refuse_symlink(path: Path) -> None:
    """A snapshot file that is a link could point anywhere (another user's file, /etc): never follow it.

    The message names the link, not its target, and shows nothing of the target's content.
    """
    if path.is_symlink():
        raise ContractError(
            str(path), "is a symbolic link; a snapshot's files must be regular files inside its folder (copy the file in)"
        )
