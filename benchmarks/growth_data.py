"""Data for ``make bench-growth``: the large preset shuffled, and tiled to 500,000 and 2,000,000 places.

The simulator builds the expected visits of every place at once (500,000 places took 18 minutes and 7 GB),
so the bigger sizes are not simulated again: they are made of ``tiles`` copies of the 50,000-place preset
(benchmarks/data/large), tile t's places re-keyed ``<place_id>~t`` (tile 0 keeps its ids, so the
stakeholders' explicit places still match) with their visits scaled by ``1 + t/1000`` so no two tiles are
equal. Brands, categories and regions are kept, so every customer, deal and category grows with the tiles.

Every size's visits rows are written in a seeded random order: the preset's rows are permuted, then each
batch of them is tiled and permuted again, so one place's rows lie all over the file and no run profits
from sorted input (a vendor export or a Spark job's output is not sorted either). It streams batch by batch
(under 2 GB of memory at any size). Usage::

    python benchmarks/growth_data.py BASE_FOLDER OUT_FOLDER PLACES
"""

from __future__ import annotations

import fcntl
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

RELEASES = ("2026.10.0", "2026.11.0")
BASE_PLACES = 50_000
#: Preset rows per batch; a batch is tiled and permuted in memory (rows x tiles, at most ~10 M rows).
BATCH_ROWS = 250_000
ROW_GROUP = 1_000_000
SEED = 20261117


def _tile_ids(ids: pa.Array, tile: int) -> pa.Array:
    if tile == 0:
        return ids
    return pc.binary_join_element_wise(ids, pa.scalar(str(tile)), "~")


def tile_places(base: Path, out: Path, tiles: int) -> None:
    places = pq.read_table(base)
    parts = []
    for t in range(tiles):
        cols = {name: places[name] for name in places.column_names}
        cols["place_id"] = _tile_ids(places["place_id"].combine_chunks(), t)
        parent = places["parent_place_id"].combine_chunks()
        cols["parent_place_id"] = _tile_ids(parent, t)  # null stays null
        parts.append(pa.table(cols))
    pq.write_table(pa.concat_tables(parts), out, compression="zstd")


def shuffle_visits(base: Path, out: Path, tiles: int, seed: int) -> int:
    """Write ``tiles`` tiles of the preset's visits in a random row order; returns the rows written."""
    rng = np.random.default_rng(seed)
    visits = pq.read_table(base)
    visits = visits.take(pa.array(rng.permutation(visits.num_rows)))
    tmp = out.with_suffix(".parquet.tmp")
    written = 0
    with pq.ParquetWriter(tmp, visits.schema, compression="zstd") as writer:
        for start in range(0, visits.num_rows, BATCH_ROWS):
            batch = visits.slice(start, BATCH_ROWS)
            ids = batch["place_id"].combine_chunks()
            parts = []
            for t in range(tiles):
                cols = {name: batch[name] for name in batch.column_names}
                cols["place_id"] = _tile_ids(ids, t)
                if t:
                    cols["visits"] = pc.multiply(batch["visits"], 1 + t / 1000)
                parts.append(pa.table(cols, schema=batch.schema))
            block = pa.concat_tables(parts).combine_chunks()
            block = block.take(pa.array(rng.permutation(block.num_rows)))
            writer.write_table(block, row_group_size=ROW_GROUP)
            written += block.num_rows
    tmp.replace(out)
    return written


def complete(out: Path) -> bool:
    return all((out / rid / "visits.parquet").is_file() for rid in RELEASES)


def build(base: Path, out: Path, places: int) -> None:
    """Build one size (a multiple of 50,000 places) under ``out``; ``out`` complete only at the end.

    One builder at a time (a lock file beside ``out``): a second one waits, then finds it built.
    """
    if places % BASE_PLACES:
        raise SystemExit(f"places must be a multiple of {BASE_PLACES}")
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out.with_name(out.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not complete(out):
            _build(base, out, places // BASE_PLACES)


def _build(base: Path, out: Path, tiles: int) -> None:
    work = out.with_name(out.name + ".partial")
    work.mkdir(parents=True, exist_ok=True)
    for i, rid in enumerate(RELEASES):
        dest = work / rid
        dest.mkdir(exist_ok=True)
        if (dest / "visits.parquet").is_file():
            continue  # a release finished by an interrupted run
        t0 = time.perf_counter()
        shutil.copyfile(base / rid / "release.toml", dest / "release.toml")
        tile_places(base / rid / "places.parquet", dest / "places.parquet", tiles)
        rows = shuffle_visits(base / rid / "visits.parquet", dest / "visits.parquet", tiles, SEED + i)
        print(f"{rid}: {rows:,} rows, {(dest / 'visits.parquet').stat().st_size / 1e9:.2f} GB, "
              f"{time.perf_counter() - t0:.0f} s", flush=True)
    shutil.rmtree(out, ignore_errors=True)
    work.rename(out)


if __name__ == "__main__":
    build(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]))
