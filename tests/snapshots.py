"""Build tiny release snapshots inline, the way tests describe base and candidate data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

COMPONENTS = {
    "source_ingest": "v4",
    "poi_db": "2026-10",
    "stop_detection": "200m-4min",
    "attribution": "point_radius",
    "normalization": "state_scaling-v2",
}


def manifest_text(
    release_id: str,
    kind: str = "release",
    base: str | None = None,
    components: dict[str, str] | None = None,
    created_at: str = "2026-11-20T10:00:00Z",
    description: str = "test release",
) -> str:
    lines = [
        f'release_id = "{release_id}"',
        f"created_at = {created_at}",
        f'description = "{description}"',
        f'kind = "{kind}"',
    ]
    if base:
        lines.append(f'base = "{base}"')
    lines.append("[components]")
    for k, v in (components or COMPONENTS).items():
        lines.append(f'{k} = "{v}"')
    return "\n".join(lines) + "\n"


def places_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    for col in ("name", "brand", "category", "region"):
        if col not in df:
            df[col] = None if col == "brand" else f"some {col}"
    if "name" in df and df["name"].isna().any():
        df["name"] = df["name"].fillna(df["place_id"])
    return df


def write_snapshot(
    folder: Path,
    release_id: str,
    visits: list[dict[str, Any]] | pd.DataFrame,
    places: list[dict[str, Any]] | pd.DataFrame,
    fmt: str = "parquet",
    **manifest: Any,
) -> Path:
    """Write release.toml, visits and places; dates may be ISO strings or dates."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "release.toml").write_text(manifest_text(release_id, **manifest), encoding="utf-8")
    v = visits if isinstance(visits, pd.DataFrame) else pd.DataFrame(visits)
    p = places if isinstance(places, pd.DataFrame) else places_frame(places)
    if fmt == "parquet":
        if "date" in v and len(v) and isinstance(v["date"].iloc[0], str):
            v = v.assign(date=[dt.date.fromisoformat(d) for d in v["date"]])
        pq.write_table(pa.Table.from_pandas(v, preserve_index=False), folder / "visits.parquet")
        pq.write_table(pa.Table.from_pandas(p, preserve_index=False), folder / "places.parquet")
    else:
        compression = "gzip" if fmt == "csv.gz" else None
        v.to_csv(folder / f"visits.{fmt}", index=False, compression=compression)
        p.to_csv(folder / "places.csv", index=False)
    return folder


def daily_rows(
    place_id: str, start: str, values: list[float], source: str = "sdk_a", **extra: Any
) -> list[dict[str, Any]]:
    d0 = dt.date.fromisoformat(start)
    return [
        {"place_id": place_id, "date": d0 + dt.timedelta(days=i), "source": source, "visits": float(x), **extra}
        for i, x in enumerate(values)
    ]
