"""Import weekly "patterns" files (one row per place and week) as one release, as validated and atomic as an ingest.

The files are read once into a temp table and checked by the SQL engine (``Store.cursor()``), exploded to the
contract's long form (DESIGN section 3), and the stored files are written straight from those relations
(dashboard.store.patterns_write), by ingest's own queries, then published atomically. Only when a rule the import
leaves to the snapshot check is broken, a snapshot (release.toml, visits.parquet, places.parquet) is written to a
private temporary folder and handed to ``ingest_release``, whose message names the rule. A broken rule in any file
refuses the whole import before anything reaches the store. The mapping is stated in the README.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dashboard.errors import ContractError, RelcheckError
from dashboard.store.catalog import Release, Store, append_jsonl, read_jsonl, utc_now
from dashboard.store.contract import RELEASE_ID, ValidationFailed, parse_manifest
from dashboard.store.ingest import ingest_release
from dashboard.store.patterns_read import (
    PLACE_COLUMNS,
    PatternsFile,
    discover,
    group,
    inspect_all,
    read_group,
)
from dashboard.store.patterns_write import store_import

if TYPE_CHECKING:
    from dashboard.sql.duckdb_engine import DuckDBEngine

Progress = Callable[[str, int, int], None]
EXAMPLES = 5
FORMAT = "weekly patterns"

#: rule -> (column, what it must be). The column is the patterns file's, as documented by the vendors.
RULES = {
    "key_empty": ("place key", "must be a non-empty place id"),
    "start_invalid": ("date_range_start", "must be an ISO date-time, an ISO date or epoch seconds (1990..2100)"),
    "end_invalid": ("date_range_end", "must be an ISO date-time, an ISO date or epoch seconds after the start"),
    "json_malformed": ("visits_by_day", "must be a JSON array of daily counts, e.g. [3,0,5,2,4,8,6]"),
    "counts_not_number": ("visits_by_day", "every daily count must be a number"),
    "counts_negative": ("visits_by_day", "daily counts must be >= 0"),
    "counts_not_finite": ("visits_by_day", "daily counts must be finite"),
    "length_mismatch": ("visits_by_day", "must hold one count per day of the date range (7 without date_range_end)"),
    "raw_invalid": ("raw_visit_counts", "must be an integer >= 0"),
    "brands_malformed": ("brands", "must be a JSON list, a comma-separated string or empty"),
    "category_empty": ("top_category", "must be a non-empty business category"),
    "region_empty": ("region", "must be a non-empty region"),
    "latitude_range": ("latitude", "must be a number within ±90"),
    "longitude_range": ("longitude", "must be a number within ±180"),
}

#: Default upstream source name per key column: patterns carry one blended source, named after the vendor.
VENDOR_BY_KEY = {"placekey": "safegraph", "safegraph_place_id": "safegraph", "id_store": "advan"}


class PatternsRefused(RelcheckError):
    """Every broken rule of an import, so one run tells the whole story; nothing was written."""

    def __init__(self, problems: list[ContractError]) -> None:
        self.problems = problems
        lines = [f"patterns import refused: {len(problems)} problem(s); nothing was written"]
        lines += [f"  - {p}" for p in problems]
        super().__init__("\n".join(lines))


@dataclass
class ImportResult:
    """What an import did: the release, the files, the row counts and the warnings."""

    release: Release
    files: list[str]
    weekly_rows: int
    visit_rows: int
    places: int
    repeated_days: int
    week_starts: list[str]
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def record(self) -> dict[str, Any]:
        """The provenance line kept in logs/imports.jsonl (matched to the release by its checksum)."""
        return {
            "release_id": self.release.release_id, "checksum": self.release.checksum, "at": utc_now(),
            "format": FORMAT, "files": self.files, "weekly_rows": self.weekly_rows,
            "visit_rows": self.visit_rows, "places": self.places, "repeated_days": self.repeated_days,
            "week_starts": self.week_starts, "warnings": self.warnings, "seconds": round(self.seconds, 3),
        }


def imports_path(store: Store) -> Path:
    return store.logs_dir / "imports.jsonl"


def import_record(store: Store, release: Release) -> dict[str, Any] | None:
    """How ``release`` came in, if by a patterns import: its newest record with the release's checksum."""
    for rec in reversed(read_jsonl(imports_path(store))):
        if rec.get("release_id") == release.release_id and rec.get("checksum") == release.checksum:
            return rec
    return None


def manifest_toml(release_id: str, created_at: str | None, components: dict[str, str], description: str) -> str:
    """release.toml for an import given by options; every value is written as a TOML string, escaped."""
    if not RELEASE_ID.fullmatch(release_id):
        raise ContractError("--release-id", "must match [A-Za-z0-9][A-Za-z0-9._-]{0,63}", examples=[release_id])
    created = created_at or dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        dt.datetime.fromisoformat(created.replace("Z", "+00:00"))
    except ValueError:
        raise ContractError("--created-at", "must be an ISO timestamp", field="created_at", examples=[created]) from None
    lines = [f"release_id = {json.dumps(release_id)}", f"created_at = {json.dumps(created)}",
             f"description = {json.dumps(description)}", 'kind = "release"', "[components]"]
    lines += [f"{json.dumps(k)} = {json.dumps(v)}" for k, v in components.items()]
    return "\n".join(lines) + "\n"


#: The engine's relations the queries read, bound under their header names (the same names here).
ROWS = {"pat_rows": "pat_rows"}
PARSED = {"pat_parsed": "pat_parsed"}
EXAMPLE_ROWS = {"pat_examples": "pat_examples"}
LONG = {"pat_long": "pat_long"}
PLACES = {"pat_places": "pat_places"}


def _materialise(cur: DuckDBEngine, rel: Any, path: Path, name: str) -> None:
    """Write a stage to Parquet in the private folder and expose it as ``name``: each stage is read once."""
    cur.write_parquet(rel, path)
    cur.register_parquet(name, path)


def _rule_problems(
    cur: DuckDBEngine, infos: list[PatternsFile]
) -> tuple[list[ContractError], list[dict[str, Any]]]:
    """Broken rules per file; the examples come from re-reading that one file with its rows numbered."""
    by_file = {str(i.path): i for i in infos}
    profile = cur.run("patterns_profile", inputs=PARSED).dicts()
    seen = {p["file"] for p in profile}
    problems = [ContractError(f, "has no rows") for f in by_file if f not in seen]
    for prof in profile:
        info = by_file[prof["file"]]
        broken = [rule for rule in RULES if prof[rule]]
        if not broken:
            continue
        cur.register("pat_rows", read_group(cur, [info], numbered=True))
        cur.register("pat_examples", cur.relation("patterns_rows", inputs=ROWS))
        for rule in broken:
            column, text = RULES[rule]
            column = info.key_column if rule == "key_empty" else column
            ex = cur.run("patterns_violations", inputs=EXAMPLE_ROWS, rule=rule, file=prof["file"],
                         limit=EXAMPLES).dicts()
            shown = [f"row {r['row']} {r['place_key'] or '(no key)'}: {r['value']!r}" for r in ex]
            problems.append(ContractError(prof["file"], f"{text} ({prof[rule]} rows)", field=column, examples=shown))
        cur.drop("pat_examples")
    return problems, profile


def _read(cur: DuckDBEngine, infos: list[PatternsFile], step: Progress, total: int) -> int:
    """Parse every file once into the temp table ``pat_parsed`` (one scan per layout), reporting files and rows
    as they go. A temp table, not Parquet: the later steps read it several times, and the engine keeps it in
    memory, spilling to its temporary folder when it is bigger than its share of the budget."""
    files_done = rows_done = 0
    for i, files in enumerate(group(infos)):
        cur.register("pat_rows", read_group(cur, files))
        names = ", ".join(f.path.name for f in files[:3]) + (" …" if len(files) > 3 else "")

        def report(pct: float, before: int = files_done, n: int = len(files), rows: int = rows_done) -> None:
            done = before + int(n * pct / 100)
            step(f"reading files ({done}/{len(infos)} files, {rows:,} rows so far)", done, total)

        def parse(append: bool = i > 0) -> None:
            cur.register("pat_all", cur.relation("patterns_rows", inputs=ROWS))
            cur.materialise("pat_parsed", "patterns_parsed", inputs={"pat_all": "pat_all"}, append=append)

        try:
            _while_running(cur, parse, report)
        except cur.Error as exc:
            raise ContractError(names, f"cannot be read: {str(exc).splitlines()[0]}") from None
        cur.drop("pat_all")
        cur.drop("pat_rows")
        files_done += len(files)
        rows_done = int(cur.run("patterns_parsed_count", inputs=PARSED).rows()[0][0])
        step(f"read {files_done}/{len(infos)} files, {rows_done:,} rows", files_done, total)
    return rows_done


def _while_running(cur: DuckDBEngine, work: Callable[[], None], report: Callable[[float], None]) -> None:
    """Run ``work`` on ``cur`` while a thread polls the engine's progress of it (a percentage) into ``report``."""
    import threading

    done = threading.Event()

    def poll() -> None:
        while not done.wait(0.5):
            pct = cur.progress()
            if pct is None:
                return
            if pct >= 0:
                report(pct)

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    try:
        work()
    finally:
        done.set()
        thread.join()


def _conflicts(cur: DuckDBEngine, summary: dict[str, Any]) -> list[ContractError]:
    if not summary["conflicts"]:
        return []
    ex = cur.run("patterns_conflicts", inputs=LONG, limit=EXAMPLES).dicts()
    shown = [
        f"{r['place_id']} on {r['date']}: {r['first_visits']:g} in {Path(r['first_file']).name}, "
        f"{r['second_visits']:g} in {Path(r['second_file']).name}"
        + (f" (raw {r['first_raw']} vs {r['second_raw']})" if r["first_raw"] != r["second_raw"] else "")
        for r in ex
    ]
    files = sorted({r["first_file"] for r in ex} | {r["second_file"] for r in ex})
    return [ContractError(
        " and ".join(files), f"overlapping weeks: {summary['conflicts']} place-days are given twice with different "
        "counts; remove the older delivery or import the weeks separately", field="visits_by_day", examples=shown,
    )]


def _warnings(cur: DuckDBEngine, profile: list[dict[str, Any]], weeks: dict[str, Any], repeated: int) -> list[str]:
    out = []
    gaps = cur.run("patterns_gaps", inputs=PARSED).dicts()
    if gaps:
        shown = ", ".join(f"{g['gap_start']}..{g['gap_end']}" for g in gaps[:EXAMPLES])
        out.append(f"gap: {sum(g['days'] for g in gaps)} days between the first and last week are in no file ({shown})")
    if weeks["gap_places"]:
        out.append(f"gap: {weeks['gap_places']} places miss days between their first and last week "
                   f"(e.g. {'; '.join(weeks['gap_examples'])})")
    ch = cur.run("patterns_attribute_changes", inputs=PLACES, limit=EXAMPLES).dicts()[0]
    if ch["places"]:
        out.append(f"attributes: {ch['places']} places change attributes between weeks; the latest week's are kept "
                   f"(e.g. {'; '.join(ch['examples'])})")
    if repeated:
        out.append(f"overlap: {repeated} place-days are given more than once with the same counts; "
                   "kept once")
    starts = sorted({d for p in profile for d in (p["week_starts"] or [])})
    if len(starts) > 1:
        out.append(f"weeks start on different weekdays across files: {', '.join(starts)}")
    return out


def import_patterns(
    store: Store,
    inputs: list[Path],
    *,
    release_id: str | None = None,
    created_at: str | None = None,
    components: dict[str, str] | None = None,
    source: str | None = None,
    manifest: Path | None = None,
    place_key: str | None = None,
    description: str = "",
    replace: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Import weekly patterns files as one release; any broken rule refuses all of it (PatternsRefused)."""
    import time

    started = time.monotonic()
    step = progress or (lambda stage, done, total: None)
    if (manifest is None) == (release_id is None):
        raise RelcheckError("give either --release-id (with its options) or --manifest release.toml, not both")
    if manifest is not None:
        manifest_text = Path(manifest).read_text(encoding="utf-8")
        m = parse_manifest(Path(manifest))
        release_id = m.release_id
    if not replace and store.exists() and release_id in store.release_ids():
        raise RelcheckError(f"release '{release_id}' already exists in {store.home}; use --replace to replace it")
    if manifest is None:
        manifest_text = manifest_toml(release_id or "", created_at, components or {"vendor": "?"}, description)
    paths = discover(inputs)
    total = len(paths) + 4  # files, then explode, release, writing, done
    work = Path(tempfile.mkdtemp(prefix="relcheck-patterns-"))
    cur = store.cursor()
    try:
        step(f"reading {len(paths)} files", 0, total)
        infos = inspect_all(paths, place_key)
        src = source or VENDOR_BY_KEY.get(infos[0].key_column.lower(), "patterns")
        weekly_rows = _read(cur, infos, step, total)
        problems, profile = _rule_problems(cur, infos)
        if problems:
            raise PatternsRefused(problems)
        step(f"exploding {weekly_rows:,} weekly rows", len(paths) + 1, total)
        repeated = 0
        grid = bool(cur.run("patterns_weeks_grid", inputs=PARSED).rows()[0][0])  # every place in every week
        if grid:
            weeks: dict[str, Any] = {"overlapping_rows": 0, "gap_places": 0, "gap_examples": None}
        else:
            weeks = cur.run("patterns_place_weeks", inputs=PARSED, limit=EXAMPLES).dicts()[0]
        if weeks["overlapping_rows"]:
            # Some weeks of a place overlap: group the days, refuse disagreements, keep agreeing repeats once.
            _materialise(cur, cur.relation("patterns_long", inputs=PARSED), work / "long.parquet", "pat_long")
            summary = cur.run("patterns_summary", inputs=LONG).dicts()[0]
            problems = _conflicts(cur, summary)
            if problems:
                raise PatternsRefused(problems)
            repeated = int(summary["repeated_rows"])
            visits = cur.relation("patterns_visits_out", inputs=LONG, source=src)
        else:
            cur.register("pat_long", cur.relation("patterns_long", inputs=PARSED))
            visits = cur.relation("patterns_visits_direct", inputs=LONG, source=src)
        # The places once, for the snapshot and the warning on changes; one pick per place unless files differ
        # in the attribute columns they carry (then each attribute comes from the latest file that has it).
        if len({tuple(c for c in i.absent if c in PLACE_COLUMNS) for i in infos}) > 1:
            cur.materialise("pat_places", "patterns_places", inputs=PARSED)
        else:
            cur.materialise("pat_places", "patterns_places_grid" if grid else "patterns_places_latest", inputs=PARSED)
        warnings = _warnings(cur, profile, weeks, repeated)

        step("writing the release", len(paths) + 2, total)
        snap = work / "snapshot"
        snap.mkdir()
        if manifest is None:
            comps = components or {"vendor": src}
            desc = description or f"{FORMAT} import of {len(paths)} file(s)"
            manifest_text = manifest_toml(release_id or "", created_at, comps, desc)
        (snap / "release.toml").write_text(manifest_text, encoding="utf-8")
        # Checked here row by row: the key's uniqueness, the places and the order of the visits are the import's.
        provenance = {"format": FORMAT, "files": [str(p) for p in paths], "weekly_rows": weekly_rows,
                      "repeated_days": repeated, "warnings": warnings}
        places = cur.relation("patterns_places_out", inputs=PLACES)
        release = store_import(
            store, cur, manifest_file=snap / "release.toml", visits=visits, places=places, files=paths,
            provenance=provenance, source=src, replace=replace, work=work,
            step=lambda stage: step(stage, len(paths) + 3, total))
        if release is None:  # a rule only the snapshot check applies: the snapshot path says which
            cur.write_parquet_snappy(visits, snap / "visits.parquet")
            cur.write_parquet_snappy(places, snap / "places.parquet")
            step("ingesting", len(paths) + 3, total)
            try:
                release = ingest_release(store, snap, replace=replace, checked=True, provenance=provenance)
            except ValidationFailed as exc:
                raise RelcheckError(
                    f"the snapshot made from the patterns files was refused (a rule the import does not check "
                    f"yet):\n{exc}") from None
        result = ImportResult(
            release=release, files=[str(p) for p in paths], weekly_rows=weekly_rows,
            visit_rows=release.rows, places=release.places, repeated_days=repeated,
            week_starts=sorted({d for p in profile for d in (p["week_starts"] or [])}),
            warnings=warnings, seconds=time.monotonic() - started,
        )
        append_jsonl(imports_path(store), result.record())
        step("done", total, total)
        return result
    except cur.Error as exc:
        raise RelcheckError(f"patterns import failed reading the files: {str(exc).splitlines()[0]}") from None
    finally:
        cur.close()
        shutil.rmtree(work, ignore_errors=True)
