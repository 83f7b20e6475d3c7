"""Small weekly "patterns" files written the way vendors ship them, drift included, for the import tests."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

KEY_A = "222-222@3bt-bys-gzf"
KEY_B = "zzw-22y@5vg-7gt-qzz"


def week(key: str, start: str, counts: list[Any], **attrs: Any) -> dict[str, Any]:
    """One weekly row: ``start`` is an ISO date (the week's first local day), written with a -05:00 offset."""
    day = dt.date.fromisoformat(start)
    end = day + dt.timedelta(days=len(counts))
    row = {
        "placekey": key,
        "location_name": attrs.pop("location_name", f"Place {key[:3]}"),
        "brands": attrs.pop("brands", '["FreshCo"]'),
        "top_category": attrs.pop("top_category", "Grocery Stores"),
        "sub_category": attrs.pop("sub_category", "Supermarkets"),
        "region": attrs.pop("region", "NY"),
        "city": attrs.pop("city", "New York"),
        "latitude": attrs.pop("latitude", 40.7),
        "longitude": attrs.pop("longitude", -74.0),
        "date_range_start": f"{day.isoformat()}T00:00:00-05:00",
        "date_range_end": f"{end.isoformat()}T00:00:00-05:00",
        "raw_visit_counts": attrs.pop("raw_visit_counts", int(sum(c for c in counts if isinstance(c, (int, float))))),
        "visits_by_day": json.dumps(counts),
    }
    row.update(attrs)
    return row


def epoch(start: str, offset_hours: int = -5) -> int:
    """Epoch seconds of local midnight at ``start`` (the pre-May-2020 SafeGraph spelling)."""
    tz = dt.timezone(dt.timedelta(hours=offset_hours))
    return int(dt.datetime.fromisoformat(start).replace(tzinfo=tz).timestamp())


def write_csv(path: Path, rows: list[dict[str, Any]], delimiter: str = ",", upper: bool = False,
              drop: tuple[str, ...] = ()) -> Path:
    """CSV or, for a ``.gz`` name, gzip-compressed CSV; ``upper`` spells the header in capitals (Dewey/Snowflake)."""
    columns = [c for c in rows[0] if c not in drop]
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    w.writerow([c.upper() if upper else c for c in columns])
    for r in rows:
        w.writerow(["" if r.get(c) is None else r[c] for c in columns])
    path.parent.mkdir(parents=True, exist_ok=True)
    data = buf.getvalue().encode("utf-8")
    if path.name.endswith(".gz"):
        with gzip.open(path, "wb") as fh:
            fh.write(data)
    else:
        path.write_bytes(data)
    return path


def write_parquet(path: Path, rows: list[dict[str, Any]], lists: bool = True) -> Path:
    """Parquet; with ``lists`` visits_by_day and brands are Parquet lists, not JSON text."""
    table = {c: [r.get(c) for r in rows] for c in rows[0]}
    if lists:
        table["visits_by_day"] = [json.loads(v) for v in table["visits_by_day"]]
        table["brands"] = [json.loads(b) if b and b.startswith("[") else ([] if not b else [b]) for b in table["brands"]]
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(table), path)
    return path
