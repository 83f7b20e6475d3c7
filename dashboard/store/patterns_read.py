"""Reading weekly "patterns" files as they really come: any case, pipe or comma, CSV, CSV.gz or Parquet.

Each file becomes one relation with the same text columns (``PATTERN_COLUMNS``), whatever its
spelling, delimiter or Parquet types, so the rules and the explode run once over all files in SQL.
Column names read from a file are only ever used through ``duckdb.ColumnExpression``, never
formatted into SQL text.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

import duckdb

from dashboard.errors import ContractError

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
SUFFIXES = (".csv", ".csv.gz", ".parquet", ".txt", ".txt.gz")
#: Real files carry wide JSON columns (visitor_home_cbgs); DuckDB's 2 MB default line limit is too small.
MAX_LINE_SIZE = 64 * 1024 * 1024


@dataclass(frozen=True)
class PatternsFile:
    """One weekly file as read: where, how it was split, and which column is its place key."""

    path: Path
    delimiter: str | None  # None for Parquet
    key_column: str  # as spelled in the file
    columns: tuple[str, ...]


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
            return fh.readline()
    except (OSError, EOFError) as exc:
        raise ContractError(str(path), f"cannot be read: {exc}") from None


def sniff_delimiter(path: Path) -> str:
    """Pipe (SafeGraph before October 2019), comma, or tab: whichever splits the header most."""
    header = _first_line(path)
    counts = {d: header.count(d) for d in ("|", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] == 0:
        raise ContractError(str(path), "not a weekly patterns file: the header has a single column",
                            examples=[header.strip()[:80]])
    return best


def _raw_relation(cur: duckdb.DuckDBPyConnection, path: Path) -> tuple[duckdb.DuckDBPyRelation, str | None]:
    try:
        if path.name.lower().endswith(".parquet"):
            return cur.read_parquet(str(path)), None
        delimiter = sniff_delimiter(path)
        rel = cur.read_csv(
            str(path), header=True, all_varchar=True, delimiter=delimiter, quotechar='"', escapechar='"',
            max_line_size=MAX_LINE_SIZE,
        )
        return rel, delimiter
    except duckdb.Error as exc:
        raise ContractError(str(path), f"cannot be read: {str(exc).splitlines()[0]}") from None


def _text(rel: duckdb.DuckDBPyRelation, column: str, dtype: str) -> duckdb.Expression:
    """A file column as text: lists (Parquet visits_by_day, brands) as JSON, instants as epoch seconds."""
    col = duckdb.ColumnExpression(column)
    base = dtype.split("(")[0].upper()
    if dtype.endswith("[]") or base in ("LIST", "STRUCT", "MAP"):
        return duckdb.FunctionExpression("to_json", col).cast(duckdb.sqltype("VARCHAR"))
    if base == "TIMESTAMP WITH TIME ZONE":
        return duckdb.FunctionExpression("epoch", col).cast(duckdb.sqltype("VARCHAR"))
    return col.cast(duckdb.sqltype("VARCHAR"))


def read_file(
    cur: duckdb.DuckDBPyConnection, path: Path, place_key: str | None = None
) -> tuple[duckdb.DuckDBPyRelation, PatternsFile]:
    """One file as a relation of ``file, PATTERN_COLUMNS`` (text), with the key column found."""
    raw, delimiter = _raw_relation(cur, path)
    names = list(raw.columns)
    lowered: dict[str, str] = {}
    for name in names:
        low = name.strip().lower()
        if low in lowered:
            raise ContractError(str(path), "two columns differ only in case", field=name, examples=[lowered[low], name])
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
    types = dict(zip(names, (str(t) for t in raw.dtypes), strict=True))
    exprs = [duckdb.ConstantExpression(str(path)).alias("file"),
             _text(raw, lowered[key], types[lowered[key]]).alias("place_key")]
    for col in PATTERN_COLUMNS[1:]:
        if col in lowered:
            exprs.append(_text(raw, lowered[col], types[lowered[col]]).alias(col))
        else:
            exprs.append(duckdb.ConstantExpression(None).cast(duckdb.sqltype("VARCHAR")).alias(col))
    # Which attributes this file does not carry, so a place keeps them from the weeks that do.
    absent = [c for c in ATTRIBUTE_COLUMNS if c not in lowered]
    exprs.append(duckdb.ConstantExpression(absent).cast(duckdb.sqltype("VARCHAR[]")).alias("absent"))
    # The data row within its file (1 = the first row under the header), for the messages.
    rel = raw.select(*exprs).project("*, row_number() OVER () AS row")
    return rel, PatternsFile(path, delimiter, lowered[key], tuple(names))


def read_all(
    cur: duckdb.DuckDBPyConnection, paths: list[Path], place_key: str | None = None
) -> list[tuple[duckdb.DuckDBPyRelation, PatternsFile]]:
    """Every file's relation (lazy); files keyed by different columns are refused, naming both."""
    rels = []
    infos: list[PatternsFile] = []
    for path in paths:
        rel, info = read_file(cur, path, place_key)
        if infos and info.key_column.lower() != infos[0].key_column.lower():
            first = infos[0]
            raise ContractError(
                str(path), f"place keys are mixed across files: {first.path} uses '{first.key_column}', this file "
                f"uses '{info.key_column}'; import them separately or name one key with --place-key",
                field=info.key_column, examples=[str(first.path), str(path)],
            )
        rels.append(rel)
        infos.append(info)
    return list(zip(rels, infos, strict=True))
