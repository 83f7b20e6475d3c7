"""`relcheck serve` as a real process: loopback by default, a warning for any other address, viewer mode,
and SIGTERM/SIGINT stop the Streamlit child so the port is free afterwards."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from browser_support import REPO, free_port
from click.testing import CliRunner

from dashboard.cli import main
from dashboard.cli.store_cmds import is_loopback, streamlit_command

START = 90.0  # seconds: streamlit's first start on a busy 2-core machine


def _children(pid: int) -> list[int]:
    """Live direct children of ``pid`` (from /proc: no extra dependency)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            out.append(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def _port_free(port: int) -> bool:
    """A new server could listen on ``port`` (as servers do, with SO_REUSEADDR: the health check's own
    connection may linger in TIME_WAIT)."""
    if _listening_addresses(port):
        return False
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on ``port`` (from /proc/net/tcp, IPv4)."""
    out = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        addr, p = local.split(":")
        if state == "0A" and int(p, 16) == port:
            out.add(socket.inet_ntoa(bytes.fromhex(addr)[::-1]))
    return out


def _start_serve(port: int, *extra: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO), RELCHECK_HOME=str(REPO / "no-store-needed"))
    cmd = [sys.executable, "-c", "from dashboard.cli import main; main()", "serve", "--port", str(port), *extra]
    proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + START
    while True:
        assert proc.poll() is None, proc.communicate()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            pass
        assert time.monotonic() < deadline, "relcheck serve did not become healthy"
        time.sleep(0.2)  # polling for health, not synchronisation by sleep


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serve_binds_loopback_and_stops_its_child_on_a_signal(sig):
    port = free_port()
    proc = _start_serve(port)
    try:
        children = _children(proc.pid)
        assert len(children) == 1  # the streamlit child
        assert _listening_addresses(port) == {"127.0.0.1"}  # not 0.0.0.0
        proc.send_signal(sig)
        proc.wait(timeout=30)
        _, err = proc.communicate()
        assert "warning" not in err.lower()
        assert not _alive(children[0]), "the streamlit child outlived relcheck serve"
        assert _port_free(port), "the port is still held after serve stopped"
    finally:
        if proc.poll() is None:
            proc.kill()


def test_streamlit_command_is_viewer_mode_on_the_given_host():
    cmd = streamlit_command(Path("app.py"), 8600)
    assert cmd[cmd.index("--client.toolbarMode") + 1] == "viewer"
    assert cmd[cmd.index("--server.address") + 1] == "127.0.0.1"
    assert cmd[cmd.index("--server.port") + 1] == "8600"


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.3.4.5", True), ("::1", True), ("[::1]", True), ("localhost", True),
     ("0.0.0.0", False), ("::", False), ("192.168.1.10", False), ("example.org", False)],
)
def test_loopback_addresses(host, loopback):
    assert is_loopback(host) is loopback


def test_non_loopback_host_warns_on_stderr(monkeypatch):
    started = []

    class FakeChild:
        def __init__(self, cmd, env):
            started.append(cmd)

        def wait(self):
            return 0

        def poll(self):
            return 0

    monkeypatch.setattr(subprocess, "Popen", FakeChild)
    result = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0", "--port", "8600"])
    assert result.exit_code == 0, result.output
    assert "not a loopback address" in result.stderr and "0.0.0.0" in result.stderr
    assert started[0][started[0].index("--server.address") + 1] == "0.0.0.0"
    quiet = CliRunner().invoke(main, ["serve", "--port", "8600"])
    assert quiet.exit_code == 0 and quiet.stderr == ""


@pytest.mark.parametrize("port", ["0", "70000", "-1"])
def test_out_of_range_port_is_a_usage_error(port):
    result = CliRunner().invoke(main, ["serve", "--port", port])
    assert result.exit_code == 2 and "port" in result.output.lower()
