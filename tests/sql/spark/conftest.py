"""One Spark for every Spark test: a local JVM (local[2]) that also serves Spark Connect on a free port.

The session starts once per run (about 10 s); each test runs on child sessions of it, as the CLI does. Java
must be there: without it these tests fail (CI installs default-jre-headless), they are never skipped.
"""

from __future__ import annotations

import socket

import pytest

from dashboard.sql.engine import EngineSettings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def spark_settings() -> tuple[EngineSettings, EngineSettings]:
    """(local, connect) settings over one local Spark: classic local[2], and Spark Connect to it."""
    from dashboard.sql import spark_engine

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
