"""Reading weekly "patterns" files as they really come: any case, pipe or comma, CSV, CSV.gz or Parquet.

Each file becomes one relation with the same text columns (``PATTERN_COLUMNS``), whatever its
spelling, delimiter or Parquet types, so the rules and the explode run once over all files in SQL.
Column names read from a file are only ever handed to the engine as data (DuckDB: ``ColumnExpression``),
never formatted into SQL text.
"""

from __future__ import annotations

import csv
import gzip
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dashboard.errors import ContractError

if TYPE_CHECKING:
    from dashboard.sql.duckdb_engine import DuckDBEngine

#: Place key columns, in the order they are looked for (SafeGraph, older SafeGraph, Advan Patterns Plus).
KEY_COLUMNS = ("placekey", "safegraph_place_id", "id_store")
#: Columns a file must have to be weekly patterns at all (besides a place key).
CORE_COLUMNS = ("date_range_start", "visits_by_day")
#: The columns carried forward, all as text; absent ones are NULL.
ATTRIBUTE_COLUMNS = (
    "date_range_end", "raw_visit_counts", "location_name", "brands", "top_category", "sub_category",
    "region", "city", "latitude", "longitude", "parent_placekey",
)
PATTERN_COLUMNS = ("place_key", *CORE_COLUMNS, *ATTRIBUTE_COLUMNS)
#: The carried columns that are the place's attributes (the rest describe the week).
PLACE_COLUMNS = tuple(c for c in ATTRIBUTE_COLUMNS if c not in ("date_range_end", "raw_visit_counts"))
SUFFIXES = (".csv", ".csv.gz", ".parquet", ".txt", ".txt.gz")
#: Real files carry wide JSON columns (visitor_home_cbgs); DuckDB's 2 MB default line limit is too small.
MAX_LINE_SIZE = 64 * 1024 * 1024


@dataclass(frozen=True)
class PatternsFile:
    """One weekly file as inspected: how it is split, its columns, and which one is its place key."""

    path: Path
    delimiter: str | None  # None for Parquet
    columns: tuple[str, ...]  # as spelled in the file
    types: tuple[str, ...]  # DuckDB types (all VARCHAR for CSV)
    key_column: str  # as spelled in the file

    @property
    def absent(self) -> list[str]:
        """The carried columns this file does not have (NULL in its rows)."""
        lowered = {name.lower() for name in self.columns}
        return [c for c in ATTRIBUTE_COLUMNS if c not in lowered]

    @property
    def layout(self) -> tuple[object, ...]:
        """Files with the same layout are read in one scan (DuckDB then spreads them over its threads)."""
        return (self.delimiter, self.columns, self.types)


def _is_patterns_file(p: Path) -> bool:
    name = p.name.lower()
    return p.is_file() and not name.startswith(".") and any(name.endswith(s) for s in SUFFIXES)


def discover(inputs: list[Path]) -> list[Path]:
    """The files to import: each FILE given, and the patterns files directly inside each folder, by name."""
    found: list[Path] = []
    for item in inputs:
        item = Path(item)
        if item.is_dir():
            inside = sorted(p for p in item.iterdir() if _is_patterns_file(p))
            if not inside:
                raise ContractError(str(item), "no weekly patterns files in the folder (*.csv, *.csv.gz, *.parquet)")
            found += inside
        elif item.is_file():
            if item.stat().st_size == 0:
                raise ContractError(str(item), "file is empty")
            found.append(item)
        else:
            raise ContractError(str(item), "not found: give weekly patterns files or folders of them")
    seen: set[Path] = set()
    unique = []
    for p in found:
        if p.resolve() not in seen:
            seen.add(p.resolve())
            unique.append(p)
    return unique


def _first_line(path: Path) -> str:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8", errors="replace", newline="") as fh:
            return fh.readline().lstrip("\ufeff")
    except (OSError, EOFError) as exc:
        raise ContractError(str(path), f"cannot be read: {exc}") from None


def sniff_delimiter(header: str, path: Path) -> str:
    """Pipe (SafeGraph before October 2019), comma, or tab: whichever splits the header most."""
    counts = {d: header.count(d) for d in ("|", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] == 0:
        raise ContractError(str(path), "not a weekly patterns file: the header has a single column",
                            examples=[header.strip()[:80]])
    return best


def _header(path: Path) -> tuple[str | None, list[str], list[str]]:
    """Delimiter, column names and types, from the header or the Parquet schema alone (no scan)."""
    if path.name.lower().endswith(".parquet"):
        import pyarrow.parquet as pq

        try:
            schema = pq.read_schema(path)
        except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
            raise ContractError(str(path), f"cannot be read as Parquet: {exc}") from None
        return None, list(schema.names), [str(t) for t in schema.types]
    line = _first_line(path)
    delimiter = sniff_delimiter(line, path)
    names = next(csv.reader([line], delimiter=delimiter, quotechar='"'))
    return delimiter, [n.strip() for n in names], ["VARCHAR"] * len(names)


def inspect(path: Path, place_key: str | None = None) -> PatternsFile:
    """Check one file is weekly patterns and find its place key column, from its header only."""
    delimiter, names, types = _header(path)
    lowered: dict[str, str] = {}
    for name in names:
        low = name.lower()
        if low in lowered:
            raise ContractError(str(path), "two columns have the same name (case ignored)", field=name,
                                examples=[lowered[low], name])
        lowered[low] = name
    missing = [c for c in CORE_COLUMNS if c not in lowered]
    if missing:
        raise ContractError(
            str(path), "not a weekly patterns file: it needs the columns date_range_start and visits_by_day "
            "(one row per place and week, the daily counts in a JSON array)",
            field=", ".join(missing), examples=[", ".join(names)[:200]],
        )
    if place_key is not None:
        key = place_key.strip().lower()
        if key not in lowered:
            raise ContractError(str(path), "the place key column named by --place-key is missing", field=place_key,
                                examples=[", ".join(names)[:200]])
    else:
        present = [k for k in KEY_COLUMNS if k in lowered]
        if not present:
            raise ContractError(
                str(path), "required column is missing: a place key (placekey, safegraph_place_id or id_store; "
                "name another with --place-key)", field="placekey", examples=[", ".join(names)[:200]],
            )
        key = present[0]
    return PatternsFile(path, delimiter, tuple(names), tuple(types), lowered[key])


def inspect_all(paths: list[Path], place_key: str | None = None) -> list[PatternsFile]:
    """Every file inspected; files keyed by different columns are refused, naming both."""
    infos: list[PatternsFile] = []
    for path in paths:
        info = inspect(path, place_key)
        if infos and info.key_column.lower() != infos[0].key_column.lower():
            first = infos[0]
            raise ContractError(
                str(path), f"place keys are mixed across files: {first.path} uses '{first.key_column}', this file "
                f"uses '{info.key_column}'; import them separately or name one key with --place-key",
                field=info.key_column, examples=[str(first.path), str(path)],
            )
        infos.append(info)
    return infos


def group(infos: list[PatternsFile]) -> list[list[PatternsFile]]:
    """Files by layout, in the order first seen."""
    groups: dict[tuple[object, ...], list[PatternsFile]] = {}
    for info in infos:
        groups.setdefault(info.layout, []).append(info)
    return list(groups.values())


def read_group(engine: DuckDBEngine, files: list[PatternsFile], numbered: bool = False) -> Any:
    """Files of one layout as one relation of ``file, PATTERN_COLUMNS, absent, row`` (text).

    ``row`` (the data row in its file, 1 = the first under the header) is numbered only when asked, for one
    file: the messages need it, the import does not, and numbering keeps a scan in file order.
    """
    first = files[0]
    paths = [f.path for f in files]
    if numbered and len(files) != 1:
        raise ValueError("rows are numbered one file at a time")
    try:
        raw = engine.read_files(paths, first.delimiter, first.columns, MAX_LINE_SIZE)
    except engine.Error as exc:
        raise ContractError(", ".join(str(p) for p in paths[:3]), f"cannot be read: {str(exc).splitlines()[0]}") from None
    lowered = {name.lower(): name for name in first.columns}
    types = dict(zip(first.columns, first.types, strict=True))
    picks: list[tuple[str, tuple[str, str] | None]] = [
        ("file", ("filename", "VARCHAR")), ("place_key", (first.key_column, types[first.key_column]))]
    picks += [(col, (lowered[col], types[lowered[col]]) if col in lowered else None) for col in PATTERN_COLUMNS[1:]]
    # Which attributes these files do not carry, so a place keeps them from the weeks that do.
    rel = engine.select_as_text(raw, picks, {"absent": first.absent})
    return engine.with_row_number(rel, "row", numbered)
