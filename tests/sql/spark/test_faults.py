"""Spark's faults (issue 13): no Java, no pyspark, a Spark Connect server that goes away in the middle of an
ingest. Each is a clear message, exit 2, and a store left as it was."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from snapshots import daily_rows, write_snapshot

from dashboard.cli import main
from dashboard.sql import engine

pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark")]

PLACES = [{"place_id": p, "name": f"Place {p}", "brand": "Acme", "category": "grocery", "region": "CA"}
          for p in ("p1", "p2")]


def _snapshot(folder: Path) -> Path:
    visits = [*daily_rows("p1", "2026-10-01", [10.5, 11.25, 0.1]), *daily_rows("p2", "2026-10-01", [3, 4, 5])]
    return write_snapshot(folder, "2026.10.0", visits, PLACES)


def _ingest(folder: Path, home: Path, *engine_args: str) -> object:
    result = CliRunner().invoke(main, ["ingest", str(folder), "--home", str(home), "--engine", "spark",
                                       *engine_args])
    return result


def _untouched(home: Path) -> bool:
    """No release published, no catalog, no staged files left behind."""
    return not (home / "catalog.json").exists() and not [p for p in home.rglob("*.parquet")]


@pytest.fixture(autouse=True)
def _fresh_engine_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "_chosen", None)
    yield
    engine._chosen = None


def test_without_java_a_local_spark_is_refused_naming_what_to_install(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    home = tmp_path / "store"
    # A master no test started: the session is not in the process's cache, so it would start a JVM here.
    result = _ingest(_snapshot(tmp_path / "snap"), home, "--spark-master", "local[3]")
    assert result.exit_code == 2, result.output
    assert "no Java runtime found" in result.output and "default-jre-headless" in result.output
    assert _untouched(home)


def test_without_pyspark_the_message_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)  # as if pyspark were not installed
    home = tmp_path / "store"
    result = _ingest(_snapshot(tmp_path / "snap"), home, "--spark-master", "local[3]")
    assert result.exit_code == 2, result.output
    assert "pip install 'relcheck[spark]'" in result.output
    assert _untouched(home)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


#: A byte-for-byte TCP relay to the test run's Spark Connect server, in a process of its own: killing it
#: cuts the client off as a lost cluster does (the port closes, the open connection drops), without starting
#: a second JVM. argv: the port to listen on, the server's port.
RELAY = """
import socket, sys, threading
listen, target = int(sys.argv[1]), int(sys.argv[2])
def pump(a, b):
    try:
        while data := a.recv(65536):
            b.sendall(data)
    except OSError:
        pass
    finally:
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
server = socket.create_server(("127.0.0.1", listen))
print("ready", flush=True)
while True:
    client, _ = server.accept()
    upstream = socket.create_connection(("127.0.0.1", target))
    for a, b in ((client, upstream), (upstream, client)):
        threading.Thread(target=pump, args=(a, b), daemon=True).start()
"""


#: The ingest, in a process of its own (a Connect client leaves settings in the process's environment that a
#: later local Spark would trip on): the first stored file is written, then the relay's process group is
#: killed, as a lost cluster would be. argv: relay process group, URL, snapshot folder, store.
LOSE_THE_SERVER = """
import os, signal, sys
from pyspark.sql.connect.client.retries import DefaultPolicy
from dashboard.cli import main
from dashboard.sql import spark_engine
from dashboard.sql.spark_snapshot import SnapshotMixin
pgid, url, folder, home = sys.argv[1:5]
write = SnapshotMixin.write_parquet
def write_then_lose_the_server(self, relation, path):
    write(self, relation, path)
    print("wrote", path.name, flush=True)
    os.killpg(int(pgid), signal.SIGKILL)
SnapshotMixin.write_parquet = write_then_lose_the_server
# Two retries instead of eight: the same failure, a minute sooner.
spark_engine._short_retries = lambda session: session.client.set_retry_policies(
    [DefaultPolicy(max_retries=2, max_backoff=1000)])
sys.exit(main(["ingest", folder, "--home", home, "--engine", "spark", "--spark-remote", url]))
"""


def test_a_connect_server_that_goes_away_mid_ingest_fails_clearly_and_publishes_nothing(
    tmp_path: Path, spark_settings
) -> None:
    _, connect = spark_settings
    server_port = int(connect.remote.rsplit(":", 1)[1])
    port = _free_port()
    # Its own process group: the ingest kills it, and the test makes sure it is gone.
    relay = subprocess.Popen([sys.executable, "-c", RELAY, str(port), str(server_port)], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        assert relay.stdout is not None and relay.stdout.readline().strip() == b"ready"
        home = tmp_path / "store"
        ingest = subprocess.run(
            [sys.executable, "-c", LOSE_THE_SERVER, str(relay.pid), f"sc://127.0.0.1:{port}",
             str(_snapshot(tmp_path / "snap")), str(home)],
            capture_output=True, text=True, timeout=300, cwd=Path(__file__).resolve().parents[3],
            env=dict(os.environ, PYTHONWARNINGS="ignore"))
        assert ingest.stdout.count("wrote ") == 1, ingest.stdout  # it did stop in the middle
        assert ingest.returncode == 2, ingest.stderr
        assert f"Spark Connect at sc://127.0.0.1:{port}" in ingest.stderr and "Traceback" not in ingest.stderr
        assert _untouched(home)
    finally:
        if relay.poll() is None:
            os.killpg(relay.pid, signal.SIGKILL)
        relay.wait(timeout=30)
