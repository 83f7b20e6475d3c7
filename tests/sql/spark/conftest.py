"""One Spark for every Spark test: a local JVM (local[2]) that also serves Spark Connect on a free port.

The session starts once per run (about 10 s); each test runs on child sessions of it, as the CLI does. Java
must be there: without it these tests fail (CI installs default-jre-headless), they are never skipped.
"""

from __future__ import annotations

import os
import socket

import pytest

from dashboard.sql.engine import EngineSettings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _only_worker_with_spark(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Fail, not slow down, when the Spark tests are spread over the xdist workers (a JVM on each): the
    xdist_group "spark" is honoured only by ``--dist loadgroup`` on a pytest that keeps its node ids mutable
    (pytest-xdist#1386; pytest is pinned below 9.2 in pyproject.toml for it)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        return
    claim = tmp_path_factory.getbasetemp().parent / "spark-worker"
    try:
        fd = os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        other = claim.read_text(encoding="utf-8")
        pytest.fail(f"the Spark tests run on two xdist workers ({other} and {worker}), one JVM each: "
                    "xdist's --dist loadgroup is not grouping them (pytest-xdist#1386)")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(worker)


@pytest.fixture(scope="session")
def spark_settings(tmp_path_factory: pytest.TempPathFactory) -> tuple[EngineSettings, EngineSettings]:
    """(local, connect) settings over one local Spark: classic local[2], and Spark Connect to it."""
    from dashboard.sql import spark_engine

    _only_worker_with_spark(tmp_path_factory)

    port = _free_port()
    # Tiny inputs: one shuffle partition per stage keeps the tests' Spark jobs short.
    spark_engine.SESSION_CONF["spark.sql.shuffle.partitions"] = "1"
    local = EngineSettings(name="spark", master="local[2]")
    spark_engine.base_session(local, extra_conf={
        "spark.plugins": "org.apache.spark.sql.connect.SparkConnectPlugin",
        "spark.connect.grpc.binding.port": str(port),
        "spark.connect.grpc.binding.address": "127.0.0.1",
        # Tiny tables: no broadcast joins (a Connect query's broadcast ran out of the default driver memory).
        "spark.sql.autoBroadcastJoinThreshold": "-1",
    })
    return local, EngineSettings(name="spark", remote=f"sc://127.0.0.1:{port}")
