"""The snapshot contract (DESIGN section 3): read a release folder and check every rule.

Nothing here writes. ``validate_snapshot`` either returns a ``Snapshot`` whose
relations are typed and clean, or raises ``ValidationFailed`` listing each broken
rule with file, field, rule and the first offending rows.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dashboard.errors import ContractError, RelcheckError, suggest
from dashboard.sql import budget
from dashboard.store import place_parts
from dashboard.store.manifest import CONTROL as CONTROL
from dashboard.store.manifest import CREATED_AT_SLACK as CREATED_AT_SLACK
from dashboard.store.manifest import FIRST_DATE as FIRST_DATE
from dashboard.store.manifest import MAX_SPAN_DAYS as MAX_SPAN_DAYS
from dashboard.store.manifest import RELEASE_ID as RELEASE_ID
from dashboard.store.manifest import Limits, Manifest, parse_manifest, refuse_symlink
from dashboard.store.place_parts import PlaceParts

if TYPE_CHECKING:
    from dashboard.sql.duckdb_engine import DuckDBEngine

MAX_STRING = 1000
EXAMPLES = 5

# Plausibility limits (README, "The snapshot contract"). They keep every sum finite and every calendar small:
# a release of 1e6 rows at the per-row limit sums to 1e15, far from the float maximum, and a daily calendar
# of 5 years is under 2,000 days.
#: Largest visits (and raw_visits) value of one row.
MAX_VISITS_PER_ROW = 1e9
#: Largest sum of visits over a whole release.
MAX_VISITS_PER_RELEASE = 1e15

VISITS_REQUIRED = ("place_id", "date", "source", "visits")
VISITS_OPTIONAL = ("raw_visits", "segment")
PLACES_REQUIRED = ("place_id", "name", "brand", "category", "region")
#: other_brands: a place's further brands besides ``brand``, comma-separated ("Lincoln, Mercury"); null = none.
PLACES_OPTIONAL = ("city", "sub_category", "parent_place_id", "latitude", "longitude", "other_brands")
STRING_TYPES = {"VARCHAR"}
NUMERIC_TYPES = {
    "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
    "UINTEGER", "UBIGINT", "FLOAT", "DOUBLE", "DECIMAL",
}
INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"}
DATE_TYPES = {"DATE", "VARCHAR"}

VISITS_RULES = {
    "place_id_empty": ("place_id", "must be a non-empty string"),
    "date_missing": ("date", "is required"),
    "date_invalid": ("date", "must be an ISO date (YYYY-MM-DD)"),
    "date_not_plain": ("date", "must be a plain ISO date YYYY-MM-DD, without a time (a timestamp is not cut to its day)"),
    "date_out_of_range": ("date", "must lie within the contract's date limits"),  # text built from the limits
    "source_empty": ("source", "must be a non-empty upstream source name"),
    "visits_missing": ("visits", "is required"),
    "visits_not_number": ("visits", "must be a number"),
    "visits_not_finite": ("visits", "must be finite (no NaN or infinity)"),
    "visits_negative": ("visits", "must be >= 0"),
    "visits_too_large": ("visits", f"must be at most {MAX_VISITS_PER_ROW:g} per row (plausibility limit)"),
    "raw_visits_not_integer": ("raw_visits", "must be an integer"),
    "raw_visits_negative": ("raw_visits", "must be >= 0"),
    "raw_visits_too_large": ("raw_visits", f"must be at most {MAX_VISITS_PER_ROW:g} per row (plausibility limit)"),
    "string_too_long": ("place_id, source, segment", f"strings must be at most {MAX_STRING} characters"),
}
PLACES_RULES = {
    "place_id_empty": ("place_id", "must be a non-empty string"),
    "place_id_duplicate": ("place_id", "must be unique"),
    "category_empty": ("category", "must be a non-empty business category"),
    "region_empty": ("region", "must be a non-empty region"),
    "latitude_range": ("latitude", "must be a number within ±90"),
    "longitude_range": ("longitude", "must be a number within ±180"),
    "string_too_long": ("string columns", f"strings must be at most {MAX_STRING} characters"),
    "control_chars": ("string columns", "must not contain control characters (tabs, newlines, escapes)"),
}


VISITS_FLAGS = {"visits_flags": "visits_flags"}
#: The distinct (source, segment) pairs of the visits (_keep_names), for every check and write that needs the
#: names only: a few rows instead of a pass over every visit each.
VISITS_NAMES = {"visits_names": "visits_names"}
PLACES_FLAGS = {"places_flags": "places_flags"}


class ValidationFailed(RelcheckError):
    """Every broken rule of one snapshot, so one run tells the whole story."""

    def __init__(self, folder: Path, problems: list[ContractError]) -> None:
        self.folder = folder
        self.problems = problems
        lines = [f"snapshot {folder} refused: {len(problems)} problem(s); nothing was written"]
        lines += [f"  - {p}" for p in problems]
        super().__init__("\n".join(lines))


@dataclass
class Snapshot:
    """A validated snapshot: relations registered on ``cur`` (an engine) as visits_flags / places_flags."""

    folder: Path
    manifest: Manifest
    visits_file: Path
    places_file: Path
    manifest_file: Path
    cur: DuckDBEngine
    profile: dict[str, Any]
    #: One row per place and day (a single source and segment, the key unique, visits in place and date order):
    #: the per place and day rollup is then the visits themselves, no grouping (read_checked_snapshot).
    daily_unique: bool = False
    #: A big release's visits split by part of places while checking it (dashboard.store.place_parts).
    split: PlaceParts | None = None
    #: The split's per-source rollup (place_source.parquet, in the split's folder), when the key was checked
    #: by writing it (place_parts.keys_ride_rollup): the ingest keeps it instead of grouping the rows again.
    source_rollup: Path | None = None


def _find_one(folder: Path, stem: str) -> Path:
    candidates = [folder / f"{stem}.parquet", folder / f"{stem}.csv", folder / f"{stem}.csv.gz"]
    for p in candidates:
        refuse_symlink(p)
    found = [p for p in candidates if p.is_file()]
    if not found:
        raise ContractError(
            str(folder / f"{stem}.parquet"), f"missing: the folder needs {stem}.parquet, {stem}.csv or {stem}.csv.gz"
        )
    if len(found) > 1:
        raise ContractError(str(folder), f"ambiguous: more than one {stem} file", examples=[p.name for p in found])
    if found[0].stat().st_size == 0:
        raise ContractError(str(found[0]), "file is empty")
    return found[0]


def _read(cur: DuckDBEngine, path: Path, delimiter: str) -> Any:
    try:
        rel = cur.read_file(path, delimiter)
        cols = cur.columns(rel)
    except cur.Error as exc:
        raise ContractError(str(path), f"cannot be read: {cur.describe_read_error(exc)}") from None
    if path.suffix != ".parquet" and len(cols) == 1:
        for other in (";", "|", "\t"):
            if other != delimiter and other in cols[0]:
                shown = "\\t" if other == "\t" else other
                raise ContractError(
                    str(path),
                    f"the header is split by '{shown}', but the contract's CSV uses '{delimiter}'; "
                    f"re-export with commas or pass --delimiter '{shown}'",
                    examples=[cols[0]],
                )
    return rel


def _check_columns(
    path: Path, cols: list[str], required: tuple[str, ...], optional: tuple[str, ...]
) -> list[ContractError]:
    known = required + optional
    problems = []
    lowered = {c.lower(): c for c in cols}
    for c in cols:
        if c not in known:
            hint = suggest(c, known)
            if c.lower() in known:
                hint = f" (columns are lower case: '{c.lower()}')"
            problems.append(ContractError(str(path), f"unknown column{hint}", field=c))
    for c in required:
        if c not in cols and c.lower() not in lowered:
            hint = suggest(c, cols)
            problems.append(ContractError(str(path), f"required column is missing{hint}", field=c, examples=[", ".join(cols)]))
    return problems


def _check_types(cur: DuckDBEngine, path: Path, rel: Any, expected: dict[str, set[str]]) -> list[ContractError]:
    problems = []
    for name, dtype in cur.column_types(rel):
        # DuckDB spells the type of an all-null Parquet column '"NULL"', with quotes.
        base = dtype.split("(")[0].strip('"')
        allowed = expected.get(name)
        if allowed is not None and base not in allowed:
            values = cur.non_null_values(rel, name, EXAMPLES)
            problems.append(ContractError(
                str(path), f"wrong type {dtype}: expected {' or '.join(sorted(allowed))}", field=name,
                examples=[repr(v) for v in values],
            ))
    return problems


def validate_snapshot(folder: Path, cur: DuckDBEngine, delimiter: str = ",", split_into: Path | None = None) -> Snapshot:
    """Check every rule of the contract on one release folder; the relations stay registered on ``cur``.

    ``split_into``: a scratch folder where a release too big to group in one piece has its visits split by
    part of places (place_parts) to check its key and its places; the snapshot keeps the split for the rollups.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ContractError(str(folder), "is not a folder; a release snapshot is a folder with release.toml, visits and places")
    manifest_file = folder / "release.toml"
    manifest = parse_manifest(manifest_file)
    visits_file = _find_one(folder, "visits")
    places_file = _find_one(folder, "places")

    problems: list[ContractError] = []
    vrel = _read(cur, visits_file, delimiter)
    prel = _read(cur, places_file, delimiter)
    problems += _check_columns(visits_file, cur.columns(vrel), VISITS_REQUIRED, VISITS_OPTIONAL)
    problems += _check_columns(places_file, cur.columns(prel), PLACES_REQUIRED, PLACES_OPTIONAL)
    if problems:
        raise ValidationFailed(folder, problems)
    if visits_file.suffix == ".parquet":
        problems += _check_types(cur, visits_file, vrel, {
            "place_id": STRING_TYPES, "date": DATE_TYPES, "source": STRING_TYPES,
            "visits": NUMERIC_TYPES, "raw_visits": NUMERIC_TYPES, "segment": STRING_TYPES,
        })
    if places_file.suffix == ".parquet":
        problems += _check_types(cur, places_file, prel, PLACES_TYPES)
    if problems:
        raise ValidationFailed(folder, problems)

    cur.register("src_visits", cur.project(vrel, VISITS_REQUIRED + VISITS_OPTIONAL, {"raw_visits": "BIGINT", "segment": "VARCHAR"}))
    limits = manifest.limits
    pprof = _check_places(cur, places_file, prel, problems)

    split, source_rollup = None, None
    with _reading(cur, visits_file):
        visits_flags = cur.relation(
            "contract_visits_flags", inputs={"src_visits": "src_visits"}, max_len=MAX_STRING,
            max_visits=MAX_VISITS_PER_ROW, first_date=limits.first_date, last_date=limits.last_date,
        )
        cur.register("visits_flags", _materialise_csv(cur, visits_file, visits_flags, "visits_flags_mat"))
        vprof = cur.run("contract_visits_profile", inputs=VISITS_FLAGS).dicts()[0]
        if vprof["rows"] == 0:
            problems.append(ContractError(str(visits_file), "has no rows"))
        for rule, (fld, text) in VISITS_RULES.items():
            if vprof.get(rule):
                if rule == "date_out_of_range":
                    text = f"must lie {limits.describe()}"
                fld = vprof.get(f"{rule}_columns") or fld
                ex = _examples(cur, "contract_visits_violations", VISITS_FLAGS, rule, fld)
                problems.append(ContractError(str(visits_file), f"{text} ({vprof[rule]} rows)", field=fld, examples=ex))
        _keep_names(cur)
        for row in cur.run("contract_visits_control_chars", inputs=VISITS_NAMES, limit=EXAMPLES).dicts():
            problems.append(ContractError(
                str(visits_file), VISITS_CONTROL_RULE, field=row["column_name"], examples=[ascii(row["value"])[:80]],
            ))
        if not problems:
            problems += _release_bounds(visits_file, vprof, limits)
        if not problems:
            parts = place_parts.part_count(int(vprof["rows"])) if split_into is not None else 1
            if parts > 1:
                split = place_parts.split_visits(cur, int(pprof["rows"]), parts, split_into)
            # An exact yes/no on the key first (a few groups per place); the examples, grouped by the key, only if so.
            if split and place_parts.keys_ride_rollup(split, vprof["first_date"], vprof["last_date"]):
                source_rollup = split_into / "place_source.parquet"  # split_into is set: there is a split
                has_dups = place_parts.write_source_rollup(cur, split, source_rollup, vprof["first_date"])
            elif split:
                has_dups = place_parts.has_duplicate_keys(cur, split, vprof["first_date"])
            else:
                cur.register("visits_triples", cur.relation("contract_visits_triples", inputs=VISITS_FLAGS))
                has_dups = cur.run("contract_visits_key_check", inputs={"visits_triples": "visits_triples"},
                                   first_date=vprof["first_date"]).rows()[0][0] > 0
            if has_dups and (dups := duplicate_keys(cur, visits_file)):
                problems.append(dups)
            missing = [] if split and not split.unknown else [  # the split knows whether any place is unknown
                r["place_id"] for r in cur.run("contract_visits_unknown_places",
                                               inputs=VISITS_FLAGS | {"places_typed": "places_typed"},
                                               limit=EXAMPLES).dicts()]
            if missing:
                problems.append(ContractError(
                    str(visits_file), f"every place_id must exist in {places_file.name}", field="place_id", examples=missing,
                ))
    if problems:
        raise ValidationFailed(folder, problems)
    return Snapshot(folder, manifest, visits_file, places_file, manifest_file, cur, {"visits": vprof, "places": pprof},
                    split=split, source_rollup=source_rollup)


def duplicate_keys(cur: DuckDBEngine, visits_file: Path) -> ContractError | None:
    """The refusal of repeated (place_id, date, source, segment) keys, with examples; None when no key repeats
    (a check on hashed keys may say "yes" where none does)."""
    dups = cur.run("contract_visits_duplicates", inputs=VISITS_FLAGS, limit=EXAMPLES).dicts()
    if not dups:
        return None
    return ContractError(str(visits_file), "(place_id, date, source, segment) must be unique",
                         field="place_id, date, source, segment", examples=dups)


VISITS_CONTROL_RULE = "must not contain control characters (tabs, newlines, escapes)"

PLACES_TYPES = {
    "place_id": STRING_TYPES, "name": STRING_TYPES, "brand": STRING_TYPES | {"NULL"},
    "category": STRING_TYPES, "region": STRING_TYPES, "city": STRING_TYPES | {"NULL"},
    "sub_category": STRING_TYPES | {"NULL"}, "parent_place_id": STRING_TYPES | {"NULL"},
    "latitude": NUMERIC_TYPES | {"NULL"}, "longitude": NUMERIC_TYPES | {"NULL"},
    "other_brands": STRING_TYPES | {"NULL"},
}


def _check_places(cur: DuckDBEngine, places_file: Path, prel: Any, problems: list[ContractError]) -> dict[str, Any]:
    """Every row rule of places (appended to ``problems``); registers places_flags and places_typed. Its profile."""
    cur.register("src_places", cur.project(prel, PLACES_REQUIRED + PLACES_OPTIONAL, {
        "city": "VARCHAR", "sub_category": "VARCHAR", "parent_place_id": "VARCHAR",
        "latitude": "DOUBLE", "longitude": "DOUBLE", "other_brands": "VARCHAR",
    }))
    # CSV is parsed once into memory; Parquet is read in place by every check. An engine error names the file.
    with _reading(cur, places_file):
        places_flags = cur.relation("contract_places_flags", inputs={"src_places": "src_places"}, max_len=MAX_STRING)
        cur.register("places_flags", _materialise_csv(cur, places_file, places_flags, "places_flags_mat"))
        pprof = cur.run("contract_places_profile", inputs=PLACES_FLAGS).dicts()[0]
        if pprof["rows"] == 0:
            problems.append(ContractError(str(places_file), "has no rows"))
        for rule, (fld, text) in PLACES_RULES.items():
            if pprof.get(rule):
                fld = pprof.get(f"{rule}_columns") or fld
                ex = _examples(cur, "contract_places_violations", PLACES_FLAGS, rule, fld)
                problems.append(ContractError(str(places_file), f"{text} ({pprof[rule]} rows)", field=fld, examples=ex))
        cur.register("places_typed", cur.relation("ingest_places_out", inputs=PLACES_FLAGS))
    return pprof


#: The visits of a checked snapshot, as relcheck writes them (read_checked_snapshot); segment is optional.
CHECKED_VISITS_TYPES = {"place_id": "VARCHAR", "date": "DATE", "source": "VARCHAR", "visits": "DOUBLE",
                        "raw_visits": "BIGINT", "segment": "VARCHAR"}


def read_checked_snapshot(folder: Path, cur: DuckDBEngine, delimiter: str = ",") -> Snapshot:
    """A snapshot relcheck wrote from rows it checked itself (a patterns import), read without a second full check.

    Its writer vouches for what costs a grouping of every visit: the key (place_id, date, source, segment) is
    unique, every place_id is in places, and the visits are in place and date order. Everything else is still
    checked: places completely, and visits in one pass for missing, negative or non-finite values, the per-row
    and whole-release limits and the source and segment names. When any of that fails, or the visits are not
    Parquet of the expected types, the full ``validate_snapshot`` runs instead, so the message is the same.
    """
    folder = Path(folder)
    manifest_file = folder / "release.toml"
    manifest = parse_manifest(manifest_file)
    visits_file = _find_one(folder, "visits")
    places_file = _find_one(folder, "places")
    if visits_file.suffix != ".parquet":
        return validate_snapshot(folder, cur, delimiter=delimiter)
    vrel = _read(cur, visits_file, delimiter)
    prel = _read(cur, places_file, delimiter)
    types = dict(cur.column_types(vrel))
    if {k: v for k, v in CHECKED_VISITS_TYPES.items() if k in types} != types or len(types) < 5 or (
            _check_columns(places_file, cur.columns(prel), PLACES_REQUIRED, PLACES_OPTIONAL)):
        return validate_snapshot(folder, cur, delimiter=delimiter)
    if places_file.suffix == ".parquet" and _check_types(cur, places_file, prel, PLACES_TYPES):
        return validate_snapshot(folder, cur, delimiter=delimiter)
    problems: list[ContractError] = []
    pprof = _check_places(cur, places_file, prel, problems)
    if problems:
        raise ValidationFailed(folder, problems)
    limits = manifest.limits
    cur.register("src_visits", cur.project(vrel, VISITS_REQUIRED + VISITS_OPTIONAL, {"segment": "VARCHAR"}))
    with _reading(cur, visits_file):
        cur.register("visits_flags", cur.relation("contract_visits_checked", inputs={"src_visits": "src_visits"}))
        vprof = cur.run("contract_visits_checked_profile", inputs=VISITS_FLAGS, max_visits=MAX_VISITS_PER_ROW,
                        first_date=limits.first_date, last_date=limits.last_date).dicts()[0]
    names = [*vprof["sources"], *vprof["segments"]]
    if (vprof["rows"] == 0 or vprof["broken"] or _release_bounds(visits_file, vprof, limits)
            or any(not n or len(n) > MAX_STRING or CONTROL.search(n) for n in names)):
        return validate_snapshot(folder, cur, delimiter=delimiter)
    _keep_names(cur)
    daily_unique = len(vprof["sources"]) == 1 and len(vprof["segments"]) == 1
    return Snapshot(folder, manifest, visits_file, places_file, manifest_file, cur,
                    {"visits": vprof, "places": pprof}, daily_unique=daily_unique)


def _keep_names(cur: DuckDBEngine) -> None:
    """The distinct (source, segment) pairs of visits_flags as the temp table visits_names, in one pass."""
    cur.materialise("visits_names", "contract_visits_names", inputs=VISITS_FLAGS)


def _release_bounds(visits_file: Path, vprof: dict[str, Any], limits: Limits) -> list[ContractError]:
    """The whole-release limits: total visits (so sums stay finite) and the window the dates span."""
    problems = []
    total = vprof.get("visits_total") or 0.0
    if not total <= MAX_VISITS_PER_RELEASE:  # also catches inf and NaN
        problems.append(ContractError(
            str(visits_file), f"the release's total visits must be at most {MAX_VISITS_PER_RELEASE:g} (plausibility limit)",
            field="visits", examples=[f"total at least {total:g}"],
        ))
    first, last = vprof.get("first_date"), vprof.get("last_date")
    if first is not None and last is not None and (last - first).days > limits.max_span_days:
        problems.append(ContractError(
            str(visits_file),
            f"the dates must span at most {limits.max_span_days} days (set [limits] max_span_days in release.toml to change)",
            field="date", examples=[f"{first}..{last} ({(last - first).days} days)"],
        ))
    return problems


@contextlib.contextmanager
def _reading(cur: DuckDBEngine, path: Path) -> Iterator[None]:
    """An engine error while checking one file becomes a contract error naming that file, in plain words."""
    try:
        yield
    except cur.Error as exc:
        if budget.explain(exc) is not None:
            raise  # memory or disk ran out: not the file's fault (the ingest says which)
        raise ContractError(str(path), f"cannot be read: {cur.describe_read_error(exc)}") from None


def _materialise_csv(cur: DuckDBEngine, path: Path, rel: Any, table: str) -> Any:
    """CSV is parsed once into a temp table; Parquet is cheap to re-read in place by every check."""
    if path.suffix == ".parquet":
        return rel
    return cur.keep(rel, table)


def _examples(cur: DuckDBEngine, name: str, inputs: dict[str, str], rule: str, field: str) -> list[dict[str, Any]]:
    """The first offending rows, led by place_id and the rule's column(s) so a shortened message still shows them."""
    rows = cur.run(name, inputs=inputs, rule=rule, limit=EXAMPLES).dicts()
    lead = ["place_id", *(c.strip() for c in field.split(","))]
    rows = [{k: r[k] for k in lead if k in r} | r for r in rows]
    return [{k: (str(v)[:60] + "…" if isinstance(v, str) and len(v) > 60 else v) for k, v in r.items()} for r in rows]
