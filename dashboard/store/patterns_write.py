"""Store a checked patterns import straight from the import's relations, without a snapshot in between.

Why: writing the contract snapshot and reading it back through ``ingest_release`` cost as much as reading the
weekly files (issue 16 point 4: within 3x DuckDB's read). The import checks every row rule itself; what ingest's
``read_checked_snapshot`` still checks (the places' row rules, the per-row and per-release limits, the source
name) is checked here with the same query files, and anything it finds returns None: the caller then takes the
snapshot path, whose message names the rule. The stored files are written by ingest's own queries
(ingest_visits_out, ingest_place_source, ingest_place_daily_unique, ingest_places_out), so they hold what a
snapshot ingest of the same rows stores.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dashboard.sql import budget
from dashboard.store import place_parts
from dashboard.store.catalog import Release, Store, utc_now
from dashboard.store.contract import (
    CONTROL,
    MAX_STRING,
    MAX_VISITS_PER_RELEASE,
    MAX_VISITS_PER_ROW,
    PLACES_OPTIONAL,
    PLACES_REQUIRED,
    PLACES_RULES,
    VISITS_OPTIONAL,
    VISITS_REQUIRED,
)
from dashboard.store.ingest import file_checksum, new_staging, publish_staged, written_files
from dashboard.store.manifest import Limits, check_base, parse_manifest

if TYPE_CHECKING:
    from dashboard.sql.duckdb_engine import DuckDBEngine

Step = Callable[[str], None]
FLAGS = {"visits_flags": "visits_flags"}
PLACES_FLAGS = {"places_flags": "places_flags"}
#: The null types of the optional places columns, as read_checked_snapshot projects a snapshot's places.
PLACES_NULLS = {"city": "VARCHAR", "sub_category": "VARCHAR", "parent_place_id": "VARCHAR",
                "latitude": "DOUBLE", "longitude": "DOUBLE", "other_brands": "VARCHAR"}


def _places_ok(cur: DuckDBEngine, places: Any) -> dict[str, Any] | None:
    """The places' profile (contract_places_profile) when they break no contract rule, else None."""
    cur.register("src_places", cur.project(places, PLACES_REQUIRED + PLACES_OPTIONAL, PLACES_NULLS))
    cur.register("places_flags", cur.relation("contract_places_flags", inputs={"src_places": "src_places"},
                                              max_len=MAX_STRING))
    pprof = cur.run("contract_places_profile", inputs=PLACES_FLAGS).dicts()[0]
    if not pprof["rows"] or any(pprof.get(rule) for rule in PLACES_RULES):
        return None
    return pprof


def _visits_ok(vprof: dict[str, Any], limits: Limits) -> bool:
    """What read_checked_snapshot checks of a checked snapshot's visits profile (contract_visits_checked_profile)."""
    names = [*vprof["sources"], *vprof["segments"]]
    total = vprof.get("visits_total") or 0.0
    first, last = vprof.get("first_date"), vprof.get("last_date")
    return bool(
        vprof["rows"] and not vprof["broken"] and total <= MAX_VISITS_PER_RELEASE  # also false for NaN
        and (first is None or last is None or (last - first).days <= limits.max_span_days)
        and not any(not n or len(n) > MAX_STRING or CONTROL.search(n) for n in names)
        and len(vprof["sources"]) == 1 and len(vprof["segments"]) == 1  # the daily rollup is the visits
    )


def _enum_types(cur: DuckDBEngine, source: str) -> dict[str, str]:
    """The ENUM types ingest writes source and segment with (place_parts.name_types: the Parquet dictionary is
    written from the codes, not by hashing every row's string), made by ingest's own queries from the one
    source and segment of the import instead of a scan of every visit."""
    cur.register("pat_names", cur.relation("patterns_names", source=source))
    return place_parts.name_types(cur, names="pat_names")


def store_import(
    store: Store,
    cur: DuckDBEngine,
    *,
    manifest_file: Path,
    visits: Any,
    places: Any,
    files: list[Path],
    provenance: dict[str, Any],
    source: str,
    replace: bool,
    work: Path,
    step: Step,
) -> Release | None:
    """Write and publish the release of ``visits`` (place_id, date, source, visits, raw_visits in place and date
    order, all of ``source``) and ``places`` (the contract's places columns); None, with the store untouched, when a rule
    the snapshot check still applies is broken (the caller takes the snapshot path for the message).

    The files are written into ``work`` (a private folder outside the store) and moved into a staging folder of
    the store only once every check passed: a refused import leaves no trace in the store.
    """
    manifest = parse_manifest(manifest_file)
    stored = store.releases() if store.exists() else []
    check_base(manifest, manifest_file, {r.release_id: (r.kind, r.components) for r in stored})
    out = work / "release"
    out.mkdir()
    doing = ["checking the places"]
    try:
        pprof = _places_ok(cur, places)
        if pprof is None:
            return None
        doing[0] = "writing visits"
        step(doing[0])
        enums = _enum_types(cur, source)  # from the one (source, segment) row, not a scan
        cur.register("src_visits", cur.project(visits, VISITS_REQUIRED + VISITS_OPTIONAL, {"segment": "VARCHAR"}))
        cur.register("visits_flags", cur.relation("contract_visits_checked", inputs={"src_visits": "src_visits"}))
        visits_out = cur.with_enums(cur.relation("ingest_visits_out", inputs=FLAGS), enums)
        cur.write_parquet(visits_out, out / "visits.parquet")
        # The rest is read back from the visits as stored: a cheap scan instead of a second explode.
        cur.register_parquet("visits_flags", out / "visits.parquet")
        limits = manifest.limits
        vprof = cur.run("contract_visits_checked_profile", inputs=FLAGS, max_visits=MAX_VISITS_PER_ROW,
                        first_date=limits.first_date, last_date=limits.last_date).dicts()[0]
        if not _visits_ok(vprof, limits):
            return None
        doing[0] = "writing rollups"
        step(doing[0])
        cur.write_parquet(cur.relation("ingest_place_source", inputs=FLAGS), out / "place_source.parquet")
        cur.write_parquet(cur.relation("ingest_place_daily_unique", inputs=FLAGS), out / "place_daily.parquet")
        doing[0] = "writing places"
        step(doing[0])
        cur.write_parquet(cur.relation("ingest_places_out", inputs=PLACES_FLAGS), out / "places.parquet")
        # No label_daily.parquet: three more passes over every place-day would take the import past 3× a plain
        # read of its files (issue 16); a comparison by label joins the place-day rollup instead (same figures).
        cur.drop("visits_flags")
        entry = {
            "release_id": manifest.release_id,
            "kind": manifest.kind,
            "created_at": manifest.created_at,
            "description": manifest.description,
            "base": manifest.base,
            "components": manifest.components,
            "ingested_at": utc_now(),
            "checksum": file_checksum([manifest_file, *files]),
            "source_folder": str(Path(files[0]).resolve().parent),
            "rows": int(vprof["rows"]),
            "places": int(pprof["rows"]),
            "first_date": str(vprof["first_date"]),
            "last_date": str(vprof["last_date"]),
            "sources": list(vprof["sources"]),
            "segments": list(vprof["segments"]),
            "has_raw_visits": bool(vprof["raw_visits_rows"]),
            "provenance": provenance,
        }
        doing[0] = "publishing"
        staged = new_staging(store)
        try:
            for name in written_files(out):
                shutil.move(out / name, staged / name)  # a rename when the store is on the same disk
            return publish_staged(store, staged, entry, replace)
        except BaseException:
            shutil.rmtree(staged, ignore_errors=True)
            raise
    except Exception as exc:
        ran_out = budget.explain(exc)
        if ran_out is None:
            raise
        raise budget.ResourceError(f"patterns import stopped while {doing[0]}: {ran_out}") from None
