"""Writes one release snapshot folder as relcheck ingests it: visits.parquet, places.parquet, release.toml.

Files are written under a temporary name and renamed, so a folder never holds half a file.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from dashboard.simulator.constants import COMPONENTS, SEGMENTS, SOURCE_INGEST_VERSIONS, SOURCES
from dashboard.simulator.pipeline import Config, Pipeline


@dataclass
class ReleaseSpec:
    """A release folder to write."""

    release_id: str
    kind: str
    base: str | None
    created_at: str
    description: str
    config: Config
    days: int
    #: Offset from the world's seed of this run's panel sampling draws (0: the common random numbers).
    seed_offset: int = 0


def _toml_str(v: str) -> str:
    return json.dumps(v, ensure_ascii=False)


def _manifest(spec: ReleaseSpec) -> str:
    lines = [
        f"release_id  = {_toml_str(spec.release_id)}",
        f"created_at  = {spec.created_at}",
        f"description = {_toml_str(spec.description)}",
        f"kind        = {_toml_str(spec.kind)}",
    ]
    if spec.base:
        lines.append(f"base        = {_toml_str(spec.base)}")
    lines.append("")
    lines.append("[components]")
    for c in COMPONENTS:
        lines.append(f"{c:<14} = {_toml_str(spec.config[c])}")
    return "\n".join(lines) + "\n"


def _visits_schema(segments: bool) -> pa.Schema:
    fields = [
        pa.field("place_id", pa.string(), nullable=False),
        pa.field("date", pa.date32(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("visits", pa.float64(), nullable=False),
        pa.field("raw_visits", pa.int64(), nullable=False),
    ]
    if segments:
        fields.append(pa.field("segment", pa.string(), nullable=False))
    return pa.schema(fields)


class ReleaseWriter:
    """One release's visits.parquet, written chunk by chunk in place_id order."""

    def __init__(self, spec: ReleaseSpec, folder: Path, pipe: Pipeline) -> None:
        self.spec = spec
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.tmp = folder / "visits.parquet.tmp"
        self.schema = _visits_schema(pipe.s.segments)
        self.writer = pq.ParquetWriter(self.tmp, self.schema, compression="zstd")
        sources = SOURCE_INGEST_VERSIONS[spec.config["source_ingest"]]["sources"]
        self.src_mask = np.array([x in sources for x in SOURCES])

    def write(self, ids: np.ndarray, first_day: np.ndarray, raw: np.ndarray, visits: np.ndarray,
              start: np.datetime64, segments: bool) -> None:
        nq, nd, ns, ng = raw.shape
        nd = min(nd, self.spec.days)
        raw = raw[:, :nd][:, :, self.src_mask]
        visits = visits[:, :nd][:, :, self.src_mask]
        ns = raw.shape[2]
        day = np.arange(nd)
        keep = np.broadcast_to((day[None, :] >= first_day[:, None])[:, :, None, None], raw.shape).ravel()
        per_place = nd * ns * ng
        place_ix = np.repeat(np.arange(nq, dtype=np.int32), per_place)[keep]
        date_ix = np.tile(np.repeat(day.astype(np.int32), ns * ng), nq)[keep]
        src_ix = np.tile(np.repeat(np.arange(ns, dtype=np.int32), ng), nq * nd)[keep]
        epoch = int(start.astype("datetime64[D]").astype(np.int64))
        src_names = pa.array([x for x, m in zip(SOURCES, self.src_mask, strict=True) if m], pa.string())
        cols = {
            "place_id": pa.array(ids.astype(str).tolist(), pa.string()).take(pa.array(place_ix)),
            "date": pa.array((date_ix + epoch).astype(np.int32), pa.int32()).cast(pa.date32()),
            "source": src_names.take(pa.array(src_ix)),
            "visits": pa.array(visits.ravel()[keep], pa.float64()),
            "raw_visits": pa.array(raw.ravel()[keep], pa.int64()),
        }
        if segments:
            seg_ix = np.tile(np.arange(ng, dtype=np.int32), nq * nd * ns)[keep]
            cols["segment"] = pa.array(list(SEGMENTS), pa.string()).take(pa.array(seg_ix))
        self.writer.write_table(pa.table(cols, schema=self.schema))

    def close(self, places: pa.Table) -> None:
        self.writer.close()
        os.replace(self.tmp, self.folder / "visits.parquet")
        _write_parquet(places, self.folder / "places.parquet")
        write_text(self.folder / "release.toml", _manifest(self.spec))


def _write_parquet(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def write_text(path: Path, text: str) -> None:
    """Write UTF-8 text through a temporary file and a rename."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
