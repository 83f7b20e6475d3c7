"""The repair command: rebuild a missing or corrupt catalog.json from the manifests on disk."""

from __future__ import annotations

from pathlib import Path

import click

from dashboard.cli.common import echo, handle_errors, open_store, store_option
from dashboard.errors import RelcheckError


@click.command()
@store_option
@handle_errors
def repair(home: Path | None) -> None:
    """Rebuild the store's catalog.json from each release folder's manifest.json.

    A readable catalog is left alone. A corrupt one is kept as catalog.json.corrupt-TIME. When a release
    has two candidate folders, or a folder without a readable manifest, nothing is changed (exit 2).
    """
    from dashboard.store.repair import repair_catalog

    store = open_store(home)
    if not store.home.is_dir():
        raise RelcheckError(f"no store at {store.home}; nothing to repair")
    report = repair_catalog(store)
    if not report.repaired:
        echo(f"{store.catalog_path} is readable; nothing to repair ({len(report.releases)} releases)")
        return
    echo(f"rebuilt {store.catalog_path}: {len(report.releases)} releases ({', '.join(report.releases)})")
    if report.corrupt_copy is not None:
        echo(f"the unreadable catalog is kept as {report.corrupt_copy}")
    if report.sequence_guessed:
        echo("ingest order taken from ingested_at (not recorded in their manifests): "
                   + ", ".join(report.sequence_guessed))
    if report.retired_skipped:
        echo(f"skipped {len(report.retired_skipped)} retired folder(s) of replaced releases")
