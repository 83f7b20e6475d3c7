"""Release snapshots written as weekly patterns files: the demo's vendor-style delivery, and test fixtures.

The demo's place ids are already placekeys (``what@where``, §1.3 of the domain notes); ``placekey_for``
makes one for any other id, so a snapshot from elsewhere still gets valid-looking keys.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

#: The snapshot's files under the names patterns_sample_weeks reads.
SAMPLE = {"sample_visits": "sample_visits", "sample_places": "sample_places"}

ALPHABET = "23456789bcdfghjkmnpqrstvwxyz"
PLACEKEY = re.compile(rf"^([{ALPHABET}]{{3,}}(-[{ALPHABET}]{{3,}})?)?@[{ALPHABET}]{{3}}-[{ALPHABET}]{{3}}-[{ALPHABET}]{{3}}$")


def _base28(n: int, width: int) -> str:
    out = []
    for _ in range(width):
        n, r = divmod(n, len(ALPHABET))
        out.append(ALPHABET[r])
    return "".join(reversed(out))


def placekey_for(place_id: str, latitude: float, longitude: float) -> str:
    """A valid-looking placekey: 'where' from a ~65 m grid cell of the point, 'what' from the id."""
    cell = int((latitude + 90) / 0.0006) * 600_000 + int((longitude + 180) / 0.0006)
    where = _base28(cell, 9)
    what = _base28(int.from_bytes(hashlib.sha256(place_id.encode()).digest()[:6], "big"), 6)
    return f"{what[:3]}-{what[3:]}@{where[:3]}-{where[3:6]}-{where[6:]}"


def write_patterns(snapshot: Path, out: Path, compression: str = "gzip") -> list[Path]:
    """Write the release snapshot folder ``snapshot`` as one weekly patterns CSV file per week into ``out``."""
    snapshot, out = Path(snapshot), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    from dashboard.sql import duckdb_engine  # heavy (duckdb): only when patterns files are written

    with duckdb_engine.connect() as eng:
        # The contract's optional columns a snapshot may lack, as typed NULLs.
        eng.register("sample_visits", eng.with_nulls(eng.read_file(snapshot / "visits.parquet", ","),
                                                     {"raw_visits": "BIGINT"}))
        eng.register("sample_places", eng.with_nulls(eng.read_file(snapshot / "places.parquet", ","), {
            "city": "VARCHAR", "sub_category": "VARCHAR", "parent_place_id": "VARCHAR",
            "latitude": "DOUBLE", "longitude": "DOUBLE", "other_brands": "VARCHAR"}))
        frame = eng.run("patterns_sample_weeks", inputs=SAMPLE).df()
    frame["raw_visit_counts"] = frame["raw_visit_counts"].astype("Int64")  # integers, empty where unknown
    suffix = ".csv.gz" if compression == "gzip" else ".csv"
    written = []
    for start, week in frame.groupby(frame["date_range_start"].str[:10], sort=True):
        path = out / f"patterns-{start}{suffix}"
        week.to_csv(path, index=False, compression=compression if compression == "gzip" else None)
        written.append(path)
    return written
