"""A big release in parts of places: its visits split once by part, each row carrying its place's number.

Why: at hundreds of millions of rows, grouping by a text place_id builds hash tables of strings that spill and
cost more per row the bigger the release. One join with places gives every visit a fixed-width place number
and a part (a range of places in place_id order); every later step groups one part's numbers at a time, so
each aggregate fits the memory budget in any row order and the cost stays about linear in the rows. The same
split answers two contract rules (a unique key, every place known) and feeds the rollups.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dashboard.sql import budget

if TYPE_CHECKING:
    from dashboard.sql.duckdb_engine import DuckDBEngine

#: Visits rows an aggregate of the ingest fits in the budget with, per GB of DuckDB's share and per thread:
#: 24 M rows at the default budget (two threads).
ROWS_PER_PART_PER_GB = 40_000_000
#: A part holds a quarter of that (6 M rows at the default budget), and a release bigger than one part is
#: split: a part's hash tables then mostly stay in the CPU's caches. Measured at 500,000 places (182 M rows):
#: 8 parts 95 s, 16 parts 92 s, 31 parts 87 s, 61 parts 90 s (the split costs more the more parts it writes);
#: at 50,000 places (18.2 M rows) shuffled, one piece 10.0 s, four parts 6.6 s (sorted: 4.1 s and 4.5 s).
PARTS_PER_PIECE = 4
#: At most this many parts (bigger ones past it): the split keeps a buffer per part open while it writes
#: (DuckDB's partitioned write), 1.3 GB at peak for 31 parts at the default budget.
MAX_PARTS = 32
#: The part of rows whose place_id is not in places (ingest_visits_split).
UNKNOWN_PART = "-1"
#: The ENUM type each ingest_*_type query creates, per column written from it. (Not place_id: grouping a big
#: release's place-day rollup by an ENUM of hundreds of thousands of ids holds memory outside DuckDB's budget,
#: over 1.3 GB at 500,000 places.)
ENUM_TYPES = {"source": ("ingest_source_type", "ingest_source"), "segment": ("ingest_segment_type", "ingest_segment")}
FLAGS = {"visits_flags": "visits_flags"}
NUMBERS = {"place_numbers": "place_numbers"}
#: A release spanning fewer days than this has its key checked as its per-source rollup is written: each
#: day's bit in one 128-bit integer (HUGEINT, signed: bits 0-126) per (place, source, segment).
KEY_DAYS = 127
PART = {"visits_part": "visits_part"} | NUMBERS


def part_count(rows: int) -> int:
    """How many parts of places a release of ``rows`` visits is handled in, so each part's aggregates fit the
    budget on every thread the ingest runs (1: in one piece, no split)."""
    plan = budget.current()
    threads = plan.engine_threads() or 1
    part = max(1, int(ROWS_PER_PART_PER_GB * plan.engine_bytes / 10**9 / threads) // PARTS_PER_PIECE)
    return 1 if rows <= part else min(MAX_PARTS, -(-rows // part))


def name_types(cur: DuckDBEngine, names: str = "visits_names") -> dict[str, str]:
    """Create an ENUM type of the sources and one of the segments present (listed in the relation ``names``,
    as visits_names); column -> type. Cast to them, a column is written as the Parquet dictionary it already
    is, without hashing every value (read back, it is text)."""
    for query, _type in ENUM_TYPES.values():
        cur.run(query, inputs={"visits_names": names}).rows()  # CREATE TYPE ... AS ENUM (the values present)
    return {column: type_name for column, (_query, type_name) in ENUM_TYPES.items()}


@dataclass(frozen=True)
class PlaceParts:
    """Split visits on disk: each part's files in place_id order, and those of rows of places not in places.
    ``numbers``: each part's number (ingest_place_numbers' part), as ``parts``."""

    parts: list[list[Path]]
    unknown: list[Path]
    numbers: list[int]


def split_visits(cur: DuckDBEngine, places: int, parts: int, folder: Path) -> PlaceParts:
    """Number the places (temp table place_numbers) and write visits_flags once, split by part, to ``folder``."""
    cur.materialise("place_numbers", "ingest_place_numbers", inputs={"places_typed": "places_typed"},
                    step=max(1, -(-places // parts)))
    rows = cur.with_enums(cur.relation("ingest_visits_split", inputs=FLAGS | NUMBERS), name_types(cur))
    split = cur.write_parquet_split(rows, folder, "part")
    _within_spill_cap(folder)
    unknown = split.pop(UNKNOWN_PART, [])
    keys = sorted(split, key=int)
    return PlaceParts([split[k] for k in keys], unknown, [int(k) for k in keys])


def _within_spill_cap(folder: Path) -> None:
    """The split lies in the spill folder, so $RELCHECK_SPILL_MAX caps it as it caps DuckDB's own spilling
    (which cannot count these files): over the cap, the ingest stops as when the spill folder is full."""
    cap = budget.current().spill_max
    if cap is None:
        return
    used = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    if used > budget.parse_size(cap, budget.SPILL_MAX_ENV):
        raise budget.ResourceError(
            f"out of disk for spilling: this release's visits split by part of places take {used:,} bytes in "
            f"the spill folder, over ${budget.SPILL_MAX_ENV}={cap}; raise ${budget.SPILL_MAX_ENV}, or set "
            f"${budget.SPILL_ENV} to a folder on a disk with room; nothing was published")


def _each(cur: DuckDBEngine, groups: list[list[Path]], step: Callable[[], Any]) -> Iterator[Any]:
    """``step()`` for each group of files in turn, once that group is registered as visits_part."""
    for files in groups:
        cur.register_parquet_files("visits_part", files)
        yield step()


def _each_part(cur: DuckDBEngine, split: PlaceParts, query: str, **params: object) -> Iterator[Any]:
    """The relation of ``query`` over each part in turn (its files as visits_part, its number as $part)."""
    for files, number in zip(split.parts, split.numbers, strict=True):
        cur.register_parquet_files("visits_part", files)
        yield cur.relation(query, inputs=PART, part=number, **params)


def keys_ride_rollup(split: PlaceParts, first_date: date, last_date: date) -> bool:
    """Whether a split release's key can be checked by writing its per-source rollup (write_source_rollup),
    which groups (place, source, segment) anyway, instead of in a pass of its own (has_duplicate_keys): when
    every row has a known place (else the separate check, so a refusal lists both) and the release spans
    fewer than KEY_DAYS days."""
    return not split.unknown and (last_date - first_date).days < KEY_DAYS


def has_duplicate_keys(cur: DuckDBEngine, split: PlaceParts, first_date: date) -> bool:
    """Whether some (place, date, source, segment) may occur twice: an exact "no"; a "yes" is checked by
    listing the keys (contract_visits_duplicates)."""
    groups = [*split.parts, *([split.unknown] if split.unknown else [])]
    def check() -> int:
        cur.register("visits_triples", cur.relation("ingest_part_triples", inputs={"visits_part": "visits_part"}))
        return cur.run("contract_visits_key_check", inputs={"visits_triples": "visits_triples"},
                       first_date=first_date).rows()[0][0]

    return any(n > 0 for n in _each(cur, groups, check))


def visits_out(cur: DuckDBEngine, split: PlaceParts) -> Any:
    """The visits to store, read from the split part after part (each row given back its place_id)."""
    cur.register_parquet_files("visits_split", [f for files in split.parts for f in files])
    return cur.relation("ingest_split_visits_out", inputs={"visits_split": "visits_split"} | NUMBERS)


def write_source_rollup(cur: DuckDBEngine, split: PlaceParts, path: Path, first_date: date) -> bool:
    """place_source.parquet at ``path``, part after part: the same rows, values and order as one query over
    the whole release (ingest_place_source). Whether some (place, date, source, segment) repeats: exact for a
    release of fewer than KEY_DAYS days (ingest_part_source's key_repeats, counted, not written)."""
    return cur.write_parquet_parts(_each_part(cur, split, "ingest_part_source", first_date=first_date), path,
                                   flag="key_repeats") > 0


def write_daily_rollup(cur: DuckDBEngine, split: PlaceParts, path: Path) -> None:
    """place_daily.parquet at ``path``, part after part, as one query over the whole release would write it."""
    cur.write_parquet_parts(_each_part(cur, split, "ingest_part_daily"), path)
