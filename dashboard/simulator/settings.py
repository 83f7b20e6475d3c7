"""Simulator settings: built-in defaults, the large preset, the demo preset's TOML and explicit overrides.

Everything a run depends on besides the code, checked before any world is built (errors exit 2).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from dashboard.errors import RelcheckError
from dashboard.simulator.constants import (
    CAT_INDEX,
    CATEGORIES,
    OLDER_HISTORY,
    REGIONS,
    REPLICATE_SEED_OFFSETS,
    SOURCES,
)

OLDER_HISTORY_IDS = tuple(h[0] for h in OLDER_HISTORY)


@dataclass(frozen=True)
class Settings:
    """Everything a run of the simulator depends on (besides the code): sizes, dates, injected changes."""

    preset: str = "demo"
    seed: int = 20261105
    places: int = 600
    start: dt.date = dt.date(2026, 4, 13)
    days: int = 112
    segments: bool = True
    malls: int = 4
    tenants_per_mall: int = 8
    kernel_samples: int = 64
    write_history: bool = True
    write_ablations: bool = True
    replicates: int = 3
    history_short_days: int = 7
    chunk_places: int = 2048
    history_ids: tuple[str, ...] = ("2026.08.0", "2026.09.0")
    current_id: str = "2026.10.0"
    candidate_id: str = "2026.11.0"
    history_created: tuple[str, ...] = ("2026-08-06T10:00:00Z", "2026-09-03T10:00:00Z")
    current_created: str = "2026-10-01T10:00:00Z"
    candidate_created: str = "2026-11-05T10:00:00Z"
    loss_source: str = "sdk_beta"
    loss_region: str = "W"
    loss_date: dt.date = dt.date(2026, 6, 11)
    loss_fraction: float = 0.20
    parking_brands: tuple[str, ...] = ("FreshCo", "ValueMart")
    lot_share: tuple[float, float] = (0.12, 0.20)
    opened: int = 10
    closed: int = 8
    rekeyed: int = 7
    backfilled: int = 6
    relabel_brand: str = "DailyGrind"
    relabel_from: str = "Snack and Nonalcoholic Beverage Bars"
    relabel_to: str = "Restaurants and Other Eating Places"
    relabel_sub: str = "Limited-Service Restaurants"
    norm_region_scale: tuple[tuple[str, float], ...] = (("MW", 0.96), ("SE", 1.05))
    norm_segment_weight: tuple[tuple[str, float], ...] = (("commuters", 0.98), ("visitors", 1.05))

    @property
    def dates(self) -> np.ndarray:
        return np.datetime64(self.start, "D") + np.arange(self.days)


LARGE = {"preset": "large", "places": 50_000, "start": dt.date(2026, 5, 4), "days": 91, "segments": False,
         "malls": 40, "tenants_per_mall": 10, "kernel_samples": 12, "write_history": False,
         "write_ablations": False, "replicates": 0, "opened": 600, "closed": 450, "rekeyed": 500, "backfilled": 0}

# Where each key of the settings TOML goes: (section, key) -> Settings field.
_TOML_FIELDS: dict[tuple[str, str], str] = {
    ("", "seed"): "seed", ("", "places"): "places", ("", "start"): "start", ("", "weeks"): "days",
    ("", "days"): "days", ("", "segments"): "segments", ("", "malls"): "malls",
    ("", "tenants_per_mall"): "tenants_per_mall", ("", "kernel_samples"): "kernel_samples",
    ("", "write_history"): "write_history", ("", "write_ablations"): "write_ablations",
    ("releases", "history_ids"): "history_ids", ("releases", "history_created"): "history_created",
    ("releases", "history_short_days"): "history_short_days", ("releases", "current_id"): "current_id",
    ("releases", "current_created"): "current_created", ("releases", "candidate_id"): "candidate_id",
    ("releases", "candidate_created"): "candidate_created", ("releases", "replicates"): "replicates",
    ("changes.device_loss", "source"): "loss_source", ("changes.device_loss", "region"): "loss_region",
    ("changes.device_loss", "date"): "loss_date", ("changes.device_loss", "fraction"): "loss_fraction",
    ("changes.parking_polygons", "brands"): "parking_brands",
    ("changes.parking_polygons", "lot_share"): "lot_share",
    ("changes.places", "opened"): "opened", ("changes.places", "closed"): "closed",
    ("changes.places", "rekeyed"): "rekeyed", ("changes.places", "backfilled"): "backfilled",
    ("changes.category_relabel", "brand"): "relabel_brand", ("changes.category_relabel", "from"): "relabel_from",
    ("changes.category_relabel", "to"): "relabel_to", ("changes.category_relabel", "sub_category"): "relabel_sub",
    ("changes.normalization", "region_scale"): "norm_region_scale",
    ("changes.normalization", "segment_weight"): "norm_segment_weight",
}


def default_settings_path() -> Path:
    """The demo preset's TOML in a source checkout (absent from an installed wheel: built-ins then)."""
    return Path(__file__).resolve().parents[2] / "sample_data" / "simulator.toml"


def load_settings(preset: str = "demo", settings_path: Path | None = None,
                  overrides: Mapping[str, Any] | None = None) -> Settings:
    """Settings for a preset: built-in defaults, then the TOML (demo), then explicit overrides.

    Overrides use Settings field names (plus ``weeks``); they exist so tests can run tiny worlds.
    """
    if preset not in ("demo", "large"):
        raise RelcheckError(f"unknown simulator preset {preset!r}; known: demo, large")
    values: dict[str, Any] = {}
    if preset == "large":
        values.update(LARGE)
    path = settings_path if settings_path is not None else (default_settings_path() if preset == "demo" else None)
    if path is not None:
        if Path(path).exists():
            values.update(_settings_from_toml(Path(path)))
        elif settings_path is not None:
            raise RelcheckError(f"{path}: simulator settings file not found")
    for key, value in (overrides or {}).items():
        if key == "weeks":
            values["days"] = 7 * int(value)
        elif key in Settings.__dataclass_fields__:
            values[key] = value
        else:
            raise RelcheckError(f"unknown simulator setting {key!r}; known: weeks, "
                                + ", ".join(Settings.__dataclass_fields__))
    try:
        settings = Settings(**values)
    except TypeError as exc:
        raise RelcheckError(f"bad simulator settings: {exc}") from None
    settings = _fit_sizes(settings)
    _check_settings(settings)
    return settings


def _stamp(value: Any) -> str:
    """A TOML datetime or a string, as the manifest's UTC timestamp text."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


def _settings_from_toml(path: Path) -> dict[str, Any]:
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RelcheckError(f"{path}: malformed TOML: {exc}") from None
    flat: dict[tuple[str, str], Any] = {}

    sections = {s for s, _ in _TOML_FIELDS}

    def walk(table: Mapping[str, Any], prefix: str) -> None:
        for key, value in table.items():
            name = f"{prefix}.{key}" if prefix else key
            if (prefix, key) in _TOML_FIELDS:
                flat[(prefix, key)] = value
            elif isinstance(value, dict) and any(s == name or s.startswith(name + ".") for s in sections):
                walk(value, name)
            else:
                known = sorted({k for s, k in _TOML_FIELDS if s == prefix})
                raise RelcheckError(f"{path}: unknown setting '{name}'; known here: {', '.join(known) or '(none)'}")

    walk(doc, "")
    out: dict[str, Any] = {}
    for (section, key), value in flat.items():
        target = _TOML_FIELDS[(section, key)]
        if key == "weeks":
            value = 7 * int(value)
        elif target in ("history_ids", "parking_brands", "lot_share"):
            value = tuple(value)
        elif target == "history_created":
            value = tuple(_stamp(v) for v in value)
        elif target in ("current_created", "candidate_created"):
            value = _stamp(value)
        elif target in ("norm_region_scale", "norm_segment_weight"):
            value = tuple(sorted((str(k), float(v)) for k, v in value.items()))
        out[target] = value
    return out


def _fit_sizes(s: Settings) -> Settings:
    """Shrink malls and churn to fit a small world, and keep the device loss inside the window."""
    changes: dict[str, Any] = {}
    per_mall = 1 + s.tenants_per_mall
    if s.malls * per_mall > s.places // 4:
        changes["malls"] = max(1, s.places // (4 * per_mall)) if s.places >= 4 * per_mall else 0
    cap = max(1, s.places // 20)
    for key in ("opened", "closed", "rekeyed", "backfilled"):
        if getattr(s, key) > cap:
            changes[key] = cap
    end = s.start + dt.timedelta(days=s.days - 1)
    if not (s.start < s.loss_date <= end):
        changes["loss_date"] = s.start + dt.timedelta(days=s.days // 2)
    return replace(s, **changes) if changes else s


def _check_settings(s: Settings) -> None:
    if isinstance(s.start, dt.datetime) or not isinstance(s.start, dt.date):
        raise RelcheckError(f"simulator start must be a date, got {s.start!r}")
    if s.days < 7 or s.places < 60:
        raise RelcheckError("simulator needs at least 7 days and 60 places")
    if s.loss_source not in SOURCES or s.loss_region not in REGIONS:
        raise RelcheckError(f"device loss names an unknown source or region: {s.loss_source}, {s.loss_region}")
    brands = {b for c in CATEGORIES for b, _, _ in c.brands}
    unknown = [b for b in (*s.parking_brands, s.relabel_brand) if b not in brands]
    if unknown:
        raise RelcheckError(f"unknown brands in simulator settings: {unknown}; known: {sorted(brands)}")
    for name in (s.relabel_from, s.relabel_to):
        if name not in CAT_INDEX:
            raise RelcheckError(f"unknown category {name!r} in simulator settings")
    if not 0 <= s.replicates <= len(REPLICATE_SEED_OFFSETS):
        raise RelcheckError(f"simulator replicates must be 0 to {len(REPLICATE_SEED_OFFSETS)}, got {s.replicates}")
    ids = [*s.history_ids, s.current_id, s.candidate_id, *(OLDER_HISTORY_IDS if s.write_history else ())]
    if len(set(ids)) != len(ids) or len(s.history_created) != len(s.history_ids):
        raise RelcheckError("release ids must be unique and each history release needs a created_at")
