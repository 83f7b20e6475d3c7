"""One release as the catalog records it, and the paths of its Parquet files."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Release:
    """One visible release, as recorded in the catalog."""

    release_id: str
    kind: str
    created_at: str
    description: str
    base: str | None
    components: dict[str, str]
    ingested_at: str
    sequence: int
    checksum: str
    folder: Path
    rows: int = 0
    places: int = 0
    first_date: str | None = None
    last_date: str | None = None
    sources: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    has_raw_visits: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def visits_path(self) -> Path:
        return self.folder / "visits.parquet"

    @property
    def places_path(self) -> Path:
        return self.folder / "places.parquet"

    @property
    def place_daily_path(self) -> Path:
        return self.folder / "place_daily.parquet"

    @property
    def place_source_path(self) -> Path:
        """Visits per place, source and segment over every date (absent from stores ingested before it)."""
        return self.folder / "place_source.parquet"

    @property
    def label_daily_path(self) -> Path:
        """Visits per category, region and brand and day (absent from stores ingested before it)."""
        return self.folder / "label_daily.parquet"

    def to_dict(self) -> dict[str, Any]:
        return {
            "release_id": self.release_id,
            "kind": self.kind,
            "created_at": self.created_at,
            "description": self.description,
            "base": self.base,
            "components": dict(self.components),
            "ingested_at": self.ingested_at,
            "checksum": self.checksum,
            "rows": self.rows,
            "places": self.places,
            "first_date": self.first_date,
            "last_date": self.last_date,
            "sources": list(self.sources),
            "segments": list(self.segments),
            "has_raw_visits": self.has_raw_visits,
        }


def release_from_entry(home: Path, entry: dict[str, Any]) -> Release:
    return Release(
        release_id=entry["release_id"],
        kind=entry["kind"],
        created_at=entry["created_at"],
        description=entry.get("description", ""),
        base=entry.get("base"),
        components=dict(entry.get("components", {})),
        ingested_at=entry["ingested_at"],
        sequence=int(entry["sequence"]),
        checksum=entry["checksum"],
        folder=home / entry["folder"],
        rows=int(entry.get("rows", 0)),
        places=int(entry.get("places", 0)),
        first_date=entry.get("first_date"),
        last_date=entry.get("last_date"),
        sources=tuple(entry.get("sources", ())),
        segments=tuple(entry.get("segments", ())),
        has_raw_visits=bool(entry.get("has_raw_visits", False)),
    )
