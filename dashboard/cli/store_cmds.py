"""Store commands: ingest, releases, promote, sample, serve."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click

from dashboard.cli.common import (
    echo,
    emit_json,
    engine_options,
    format_option,
    handle_errors,
    open_store,
    render_table,
    store_option,
)
from dashboard.errors import RelcheckError
from dashboard.progress import terminal_progress


@click.command()
@click.argument("folders", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--replace", is_flag=True, help="Replace a release whose id already exists.")
@click.option("--delimiter", default=",", show_default=True, help="CSV delimiter of the snapshot's files.")
@store_option
@engine_options
@handle_errors
def ingest(folders: tuple[Path, ...], replace: bool, delimiter: str, home: Path | None) -> None:
    """Validate release snapshot FOLDERS and add them to the store.

    A snapshot that breaks any rule of the data contract is refused whole (exit 2)
    and the store stays exactly as it was.
    """
    from dashboard.sql import engine
    from dashboard.store.ingest import ingest_release

    store = open_store(home)
    chosen = engine.settings()
    engine.check_settings(chosen)
    for folder in folders:
        if chosen.name == "spark":  # checked and written by Spark (issue 13)
            from dashboard.store.spark_ingest import ingest_release_spark

            rel = ingest_release_spark(store, folder, chosen, replace=replace, delimiter=delimiter,
                                       progress=terminal_progress(f"ingest {folder}"))
        else:
            rel = ingest_release(store, folder, replace=replace, delimiter=delimiter,
                                 progress=terminal_progress(f"ingest {folder}"))
        echo(f"ingested {rel.release_id} ({rel.kind}): {rel.rows} visit rows, {rel.places} places, "
                   f"{rel.first_date}..{rel.last_date}, {rel.checksum[:19]}")


@click.command()
@format_option(["table", "json"])
@store_option
@handle_errors
def releases(fmt: str, home: Path | None) -> None:
    """List the releases in the store, with their manifests and which one is current."""
    store = open_store(home)
    rels = store.releases() if store.exists() else []
    current = store.current_id() if rels else None
    rows = []
    for r in rels:
        d = r.to_dict()
        d["current"] = r.release_id == current
        rows.append(d)
    if fmt == "json":
        emit_json({"current": current, "releases": rows})
        return
    if not rows:
        echo(f"no releases in {store.home}; run `relcheck sample` or `relcheck ingest FOLDER`")
        return
    for d in rows:
        d["current"] = "*" if d["current"] else ""
        d["components"] = " ".join(f"{k}={v}" for k, v in d["components"].items())
        d["dates"] = f"{d['first_date']}..{d['last_date']}"
    echo(render_table(rows, ["current", "release_id", "kind", "base", "created_at", "rows", "places", "dates", "components"]))


@click.command()
@click.argument("release_id")
@click.option("--by", default="", help="Who promotes it.")
@click.option("--reason", default="", help="Why.")
@store_option
@handle_errors
def promote(release_id: str, by: str, reason: str, home: Path | None) -> None:
    """Mark RELEASE_ID as current (in production); the promotion history is kept."""
    store = open_store(home)
    store.promote(release_id, by=by, reason=reason)
    echo(f"{release_id} is now current")


@click.command()
@click.option("--preset", type=click.Choice(["demo", "large"]), default="demo", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Where to write the snapshots (default: sample_data/releases, or benchmarks/data/large).")
@click.option("--settings", type=click.Path(path_type=Path), default=None, help="Simulator settings TOML (demo preset).")
@click.option("--no-ingest", is_flag=True, help="Only write the snapshot folders.")
@click.option("--format", "formats", type=click.Choice(["snapshot", "patterns"]), multiple=True,
              help="Also write each release as weekly patterns files (OUT/../patterns/<release>/).")
@store_option
@handle_errors
def sample(preset: str, out: Path | None, settings: Path | None, no_ingest: bool, formats: tuple[str, ...],
           home: Path | None) -> None:
    """Build (or rebuild) the sample releases with the seeded pipeline simulator and ingest them."""
    from dashboard.simulator.core import generate
    from dashboard.store.ingest import ingest_release

    out = out or (Path("sample_data/releases") if preset == "demo" else Path("benchmarks/data/large"))
    result = generate(out, preset=preset, settings_path=settings, progress=terminal_progress(f"simulate {preset}"))
    echo(f"wrote {len(result.release_dirs)} release snapshots to {out}")
    if "patterns" in formats:
        from dashboard.store.patterns_sample import write_patterns

        for folder in result.release_dirs:
            write_patterns(folder, out.parent / "patterns" / folder.name)
        echo(f"wrote them as weekly patterns files to {out.parent / 'patterns'}")
    if no_ingest:
        return
    store = open_store(home)
    for folder in result.release_dirs:
        ingest_release(store, folder, replace=True, progress=terminal_progress(f"ingest {folder.name}"))
    if store.current_id() != result.current_id:
        store.promote(result.current_id, by="relcheck sample", reason="sample data: the release in production")
    echo(f"ingested into {store.home}: current {result.current_id}, candidate {result.candidate_id}")


LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost")
STOP_TIMEOUT = 10.0  # seconds the Streamlit child gets to stop after a forwarded signal


def is_loopback(host: str) -> bool:
    """True when ``host`` only answers this machine (127.0.0.0/8, ::1 or localhost)."""
    import ipaddress

    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


#: Buttons, chips and toggles in blue: Streamlit's default red would read as "fail" (.streamlit/config.toml too).
PRIMARY_COLOR = "#1f6fd1"


def streamlit_command(app: Path, port: int, host: str = "127.0.0.1", headless: bool = True) -> list[str]:
    """The ``streamlit run`` command line of the dashboard: bound to ``host``, in viewer mode (no developer
    toolbar or Deploy button), no usage statistics. The browser tests start the same command."""
    return [sys.executable, "-m", "streamlit", "run", str(app),
            "--server.port", str(port), "--server.address", host,
            "--server.headless", "true" if headless else "false",
            "--client.toolbarMode", "viewer",
            "--theme.primaryColor", PRIMARY_COLOR,
            "--browser.gatherUsageStats", "false"]


@click.command()
@click.option("--port", default=8501, show_default=True, type=click.IntRange(1, 65535))
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. The dashboard has no login and can write sign-offs: anything but "
                   "a loopback address exposes it to the network.")
@click.option("--headless/--no-headless", default=True, show_default=True)
@store_option
@handle_errors
def serve(port: int, host: str, headless: bool, home: Path | None) -> None:
    """Start the dashboard (streamlit), on localhost unless --host says otherwise.

    SIGTERM and SIGINT are passed on to streamlit, which is waited for, so the port is free on exit.
    """
    import signal
    import threading

    app = Path(__file__).resolve().parent.parent / "app.py"
    if not app.exists():
        raise RelcheckError(f"dashboard app not found at {app}")
    if not is_loopback(host):
        echo(f"warning: serving on {host!r}, not a loopback address: anyone who can reach this machine "
                   "can open the dashboard and record sign-offs (there is no login).", err=True)
    env = dict(os.environ)
    if home is not None:
        env["RELCHECK_HOME"] = str(home)
    proc = subprocess.Popen(streamlit_command(app, port, host, headless), env=env)
    stopping: list[int] = []

    def forward(signum: int, _frame: object) -> None:
        if proc.poll() is None:
            proc.send_signal(signum)
        if not stopping:  # a child that ignores the signal is killed after STOP_TIMEOUT
            timer = threading.Timer(STOP_TIMEOUT, lambda: proc.poll() is None and proc.kill())
            timer.daemon = True
            timer.start()
        stopping.append(signum)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, forward)
    code = proc.wait()
    if stopping:
        raise SystemExit(128 + stopping[0] if code < 0 else code)
    raise SystemExit(code)
