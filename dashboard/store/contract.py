"""The snapshot contract (DESIGN section 3): read a release folder and check every rule.

Nothing here writes. ``validate_snapshot`` either returns a ``Snapshot`` whose
relations are typed and clean, or raises ``ValidationFailed`` listing each broken
rule with file, field, rule and the first offending rows.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from dashboard import tomlfile
from dashboard.errors import ContractError, RelcheckError, suggest
from dashboard.sql import files as queries

RELEASE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MAX_STRING = 1000
EXAMPLES = 5

VISITS_REQUIRED = ("place_id", "date", "source", "visits")
VISITS_OPTIONAL = ("raw_visits", "segment")
PLACES_REQUIRED = ("place_id", "name", "brand", "category", "region")
PLACES_OPTIONAL = ("city", "sub_category", "parent_place_id", "latitude", "longitude")
MANIFEST_KEYS = ("release_id", "created_at", "description", "kind", "base", "components")

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
    "source_empty": ("source", "must be a non-empty upstream source name"),
    "visits_missing": ("visits", "is required"),
    "visits_not_number": ("visits", "must be a number"),
    "visits_not_finite": ("visits", "must be finite (no NaN or infinity)"),
    "visits_negative": ("visits", "must be >= 0"),
    "raw_visits_not_integer": ("raw_visits", "must be an integer"),
    "raw_visits_negative": ("raw_visits", "must be >= 0"),
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
}


class ValidationFailed(RelcheckError):
    """Every broken rule of one snapshot, so one run tells the whole story."""

    def __init__(self, folder: Path, problems: list[ContractError]) -> None:
        self.folder = folder
        self.problems = problems
        lines = [f"snapshot {folder} refused: {len(problems)} problem(s); nothing was written"]
        lines += [f"  - {p}" for p in problems]
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class Manifest:
    release_id: str
    created_at: str
    description: str
    kind: str
    base: str | None
    components: dict[str, str]
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class Snapshot:
    """A validated snapshot: relations registered on ``cur`` as visits_flags / places_flags."""

    folder: Path
    manifest: Manifest
    visits_file: Path
    places_file: Path
    manifest_file: Path
    cur: duckdb.DuckDBPyConnection
    profile: dict[str, Any]


def parse_manifest(path: Path) -> Manifest:
    if not path.is_file():
        raise ContractError(str(path), "release.toml is required in a release folder")
    data = tomlfile.parse(tomlfile.read_text(path, "release manifest"), str(path))
    problems: list[str] = []
    for key in data:
        if key not in MANIFEST_KEYS:
            raise ContractError(str(path), f"unknown key{suggest(key, MANIFEST_KEYS)}", field=key)
    rid = data.get("release_id")
    if not isinstance(rid, str) or not RELEASE_ID.match(rid):
        raise ContractError(
            str(path), "must match [A-Za-z0-9][A-Za-z0-9._-]{0,63}", field="release_id", examples=[rid]
        )
    created = data.get("created_at")
    if isinstance(created, dt.datetime):
        created_s = created.isoformat()
    elif isinstance(created, dt.date):
        created_s = created.isoformat()
    elif isinstance(created, str):
        try:
            created_s = dt.datetime.fromisoformat(created.replace("Z", "+00:00")).isoformat()
        except ValueError:
            raise ContractError(str(path), "must be an ISO timestamp", field="created_at", examples=[created]) from None
    else:
        raise ContractError(str(path), "is required: an ISO timestamp", field="created_at", examples=[created])
    kind = data.get("kind", "release")
    if kind not in ("release", "ablation"):
        raise ContractError(str(path), "must be 'release' or 'ablation'", field="kind", examples=[kind])
    base = data.get("base")
    if kind == "ablation":
        if not isinstance(base, str) or not RELEASE_ID.match(base):
            raise ContractError(str(path), "an ablation run needs the release id it starts from", field="base", examples=[base])
    elif base is not None:
        raise ContractError(str(path), "only an ablation run has a base", field="base", examples=[base])
    comps = data.get("components")
    if not isinstance(comps, dict) or not comps:
        raise ContractError(str(path), "is required: a table of pipeline component = version", field="components")
    for k, v in comps.items():
        if not isinstance(v, str) or not v:
            problems.append(k)
    if problems:
        raise ContractError(str(path), "component versions must be non-empty strings", field="components", examples=problems)
    desc = data.get("description", "")
    if not isinstance(desc, str):
        raise ContractError(str(path), "must be a string", field="description", examples=[desc])
    return Manifest(rid, created_s, desc, kind, base, {str(k): str(v) for k, v in comps.items()}, data)


def _find_one(folder: Path, stem: str) -> Path:
    candidates = [folder / f"{stem}.parquet", folder / f"{stem}.csv", folder / f"{stem}.csv.gz"]
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


def _read(cur: duckdb.DuckDBPyConnection, path: Path, delimiter: str) -> duckdb.DuckDBPyRelation:
    try:
        if path.suffix == ".parquet":
            return cur.read_parquet(str(path))
        rel = cur.read_csv(
            str(path), header=True, all_varchar=True, delimiter=delimiter, quotechar='"', escapechar='"'
        )
        cols = rel.columns
    except duckdb.Error as exc:
        raise ContractError(str(path), f"cannot be read: {str(exc).splitlines()[0]}") from None
    if len(cols) == 1:
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
    path: Path, rel: duckdb.DuckDBPyRelation, required: tuple[str, ...], optional: tuple[str, ...]
) -> list[ContractError]:
    cols = list(rel.columns)
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


def _check_types(path: Path, rel: duckdb.DuckDBPyRelation, expected: dict[str, set[str]]) -> list[ContractError]:
    problems = []
    for name, dtype in zip(rel.columns, rel.dtypes, strict=True):
        # DuckDB spells the type of an all-null Parquet column '"NULL"', with quotes.
        base = str(dtype).split("(")[0].strip('"')
        allowed = expected.get(name)
        if allowed is not None and base not in allowed:
            # ``name`` is one of the contract's own columns (a key of ``expected``), quoted as an identifier.
            values = rel.project(f'"{name}"').filter(f'"{name}" IS NOT NULL').limit(EXAMPLES).fetchall()
            problems.append(ContractError(
                str(path), f"wrong type {dtype}: expected {' or '.join(sorted(allowed))}", field=name,
                examples=[repr(v[0]) for v in values],
            ))
    return problems


def _project(rel: duckdb.DuckDBPyRelation, columns: tuple[str, ...], null_types: dict[str, str]) -> duckdb.DuckDBPyRelation:
    """Select the contract's columns in order; absent optional ones become typed NULLs.

    Only the contract's own column names go into this projection, never a name read from the file.
    """
    present = set(rel.columns)
    exprs = [c if c in present else f"CAST(NULL AS {null_types[c]}) AS {c}" for c in columns]
    return rel.project(", ".join(exprs))


def validate_snapshot(
    folder: Path, cur: duckdb.DuckDBPyConnection, delimiter: str = ","
) -> Snapshot:
    folder = Path(folder)
    if not folder.is_dir():
        raise ContractError(str(folder), "is not a folder; a release snapshot is a folder with release.toml, visits and places")
    manifest_file = folder / "release.toml"
    manifest = parse_manifest(manifest_file)
    visits_file = _find_one(folder, "visits")
    places_file = _find_one(folder, "places")

    problems: list[ContractError] = []
    # Parquet min/max statistics leave NaN out; without this DuckDB prunes the NaN rows
    # from filtered scans, and the examples of a 'must be finite' violation come back empty.
    cur.execute("SET parquet_can_have_nan = true")
    vrel = _read(cur, visits_file, delimiter)
    prel = _read(cur, places_file, delimiter)
    problems += _check_columns(visits_file, vrel, VISITS_REQUIRED, VISITS_OPTIONAL)
    problems += _check_columns(places_file, prel, PLACES_REQUIRED, PLACES_OPTIONAL)
    if problems:
        raise ValidationFailed(folder, problems)
    if visits_file.suffix == ".parquet":
        problems += _check_types(visits_file, vrel, {
            "place_id": STRING_TYPES, "date": DATE_TYPES, "source": STRING_TYPES,
            "visits": NUMERIC_TYPES, "raw_visits": NUMERIC_TYPES, "segment": STRING_TYPES,
        })
    if places_file.suffix == ".parquet":
        problems += _check_types(places_file, prel, {
            "place_id": STRING_TYPES, "name": STRING_TYPES, "brand": STRING_TYPES | {"NULL"},
            "category": STRING_TYPES, "region": STRING_TYPES, "city": STRING_TYPES | {"NULL"},
            "sub_category": STRING_TYPES | {"NULL"}, "parent_place_id": STRING_TYPES | {"NULL"},
            "latitude": NUMERIC_TYPES | {"NULL"}, "longitude": NUMERIC_TYPES | {"NULL"},
        })
    if problems:
        raise ValidationFailed(folder, problems)

    cur.register("src_visits", _project(vrel, VISITS_REQUIRED + VISITS_OPTIONAL, {"raw_visits": "BIGINT", "segment": "VARCHAR"}))
    cur.register("src_places", _project(prel, PLACES_REQUIRED + PLACES_OPTIONAL, {
        "city": "VARCHAR", "sub_category": "VARCHAR", "parent_place_id": "VARCHAR",
        "latitude": "DOUBLE", "longitude": "DOUBLE",
    }))
    try:
        # CSV is parsed once into memory; Parquet is read in place by every check.
        places_flags = queries.relation(cur, "contract_places_flags", max_len=MAX_STRING)
        visits_flags = queries.relation(cur, "contract_visits_flags", max_len=MAX_STRING)
        cur.register("places_flags", _materialise_csv(cur, places_file, places_flags, "places_flags_mat"))
        cur.register("visits_flags", _materialise_csv(cur, visits_file, visits_flags, "visits_flags_mat"))

        pprof = _profile(cur, "contract_places_profile")
        if pprof["rows"] == 0:
            problems.append(ContractError(str(places_file), "has no rows"))
        for rule, (fld, text) in PLACES_RULES.items():
            if pprof.get(rule):
                fld = pprof.get(f"{rule}_columns") or fld
                ex = _examples(cur, "contract_places_violations", rule, fld)
                problems.append(ContractError(str(places_file), f"{text} ({pprof[rule]} rows)", field=fld, examples=ex))
        cur.register("places_typed", queries.relation(cur, "ingest_places_out"))

        vprof = _profile(cur, "contract_visits_profile")
        if vprof["rows"] == 0:
            problems.append(ContractError(str(visits_file), "has no rows"))
        for rule, (fld, text) in VISITS_RULES.items():
            if vprof.get(rule):
                fld = vprof.get(f"{rule}_columns") or fld
                ex = _examples(cur, "contract_visits_violations", rule, fld)
                problems.append(ContractError(str(visits_file), f"{text} ({vprof[rule]} rows)", field=fld, examples=ex))
        if not problems:
            # An exact yes/no on the key first (a few groups per place); the examples, grouped by the key, only if so.
            has_dups = queries.run(cur, "contract_visits_key_check").fetchall()[0][0] > 0
            dups = _rows(queries.run(cur, "contract_visits_duplicates", limit=EXAMPLES)) if has_dups else []
            if dups:
                problems.append(ContractError(
                    str(visits_file), "(place_id, date, source, segment) must be unique",
                    field="place_id, date, source, segment", examples=dups,
                ))
            missing = [r["place_id"] for r in _rows(queries.run(cur, "contract_visits_unknown_places", limit=EXAMPLES))]
            if missing:
                problems.append(ContractError(
                    str(visits_file), f"every place_id must exist in {places_file.name}", field="place_id", examples=missing,
                ))
    except duckdb.Error as exc:
        raise ContractError(str(folder), f"cannot be read: {str(exc).splitlines()[0]}") from None
    if problems:
        raise ValidationFailed(folder, problems)
    return Snapshot(folder, manifest, visits_file, places_file, manifest_file, cur, {"visits": vprof, "places": pprof})


def _materialise_csv(
    cur: duckdb.DuckDBPyConnection, path: Path, rel: duckdb.DuckDBPyRelation, table: str
) -> duckdb.DuckDBPyRelation:
    """CSV is parsed once into a temp table; Parquet is cheap to re-read in place by every check."""
    if path.suffix == ".parquet":
        return rel
    rel.create(table)
    return cur.table(table)


def _rows(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    cols = [d[0] for d in cursor.description]
    return [dict(zip(cols, row, strict=True)) for row in cursor.fetchall()]


def _profile(cur: duckdb.DuckDBPyConnection, name: str) -> dict[str, Any]:
    return _rows(queries.run(cur, name))[0]


def _examples(cur: duckdb.DuckDBPyConnection, name: str, rule: str, field: str) -> list[dict[str, Any]]:
    """The first offending rows, led by place_id and the rule's column(s) so a shortened message still shows them."""
    rows = _rows(queries.run(cur, name, rule=rule, limit=EXAMPLES))
    lead = ["place_id", *(c.strip() for c in field.split(","))]
    rows = [{k: r[k] for k in lead if k in r} | r for r in rows]
    return [{k: (str(v)[:60] + "…" if isinstance(v, str) and len(v) > 60 else v) for k, v in r.items()} for r in rows]
