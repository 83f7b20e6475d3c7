"""Import commands: vendor layouts brought in as releases (``relcheck import patterns``)."""

from __future__ import annotations

from pathlib import Path

import click

from dashboard.cli.common import echo, handle_errors, open_store, store_option
from dashboard.errors import RelcheckError
from dashboard.progress import terminal_progress


@click.group(name="import")
def import_group() -> None:
    """Bring vendor files in as releases, through the same validated, atomic path as `relcheck ingest`."""


def _components(values: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in values:
        name, sep, version = v.partition("=")
        if not sep or not name.strip() or not version.strip():
            raise RelcheckError(f"--component must be NAME=VERSION, got {v!r}")
        out[name.strip()] = version.strip()
    return out


@import_group.command(name="patterns")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--release-id", default=None, help="Id of the new release (or give --manifest).")
@click.option("--created-at", default=None, help="ISO timestamp of the release (default: now).")
@click.option("--component", "components", multiple=True, metavar="NAME=VERSION",
              help="A pipeline component and its version; repeat it (default: vendor=SOURCE).")
@click.option("--description", default="", help="One line about the release.")
@click.option("--source", default=None,
              help="Upstream source name for every row: patterns carry one blended source "
                   "(default: the vendor, safegraph or advan, by the key column).")
@click.option("--place-key", default=None, help="The place id column (default: placekey, safegraph_place_id or id_store).")
@click.option("--manifest", type=click.Path(path_type=Path), default=None,
              help="A release.toml instead of --release-id/--created-at/--component/--description.")
@click.option("--replace", is_flag=True, help="Replace a release whose id already exists.")
@store_option
@handle_errors
def patterns(inputs: tuple[Path, ...], release_id: str | None, created_at: str | None, components: tuple[str, ...],
             description: str, source: str | None, place_key: str | None, manifest: Path | None, replace: bool,
             home: Path | None) -> None:
    """Import weekly patterns INPUTS (files or folders of CSV, CSV.gz, Parquet) as one release.

    One row per place and week with the daily counts in visits_by_day, exploded to one row per place and day.
    Any broken rule in any file refuses the whole import (exit 2) and the store stays as it was.
    """
    from dashboard.store.patterns import import_patterns

    if manifest is not None and (release_id or created_at or components or description):
        raise RelcheckError("--manifest replaces --release-id, --created-at, --component and --description; give one way")
    store = open_store(home)
    result = import_patterns(
        store, list(inputs), release_id=release_id, created_at=created_at, components=_components(components) or None,
        source=source, manifest=manifest, place_key=place_key, description=description, replace=replace,
        progress=terminal_progress("import patterns"),
    )
    rel = result.release
    for w in result.warnings:
        echo(f"relcheck: warning: {w}", err=True)
    echo(f"imported {rel.release_id} from {len(result.files)} patterns file(s): {result.weekly_rows} weekly rows "
               f"-> {rel.rows} visit rows, {rel.places} places, {rel.first_date}..{rel.last_date}, "
               f"weeks start {'/'.join(result.week_starts)}, {len(result.warnings)} warning(s), {rel.checksum[:19]}")
