"""The Spark engine: the same stored queries as :mod:`dashboard.sql.duckdb_engine`, run by Apache Spark.

Each query file is translated once to Spark SQL (:mod:`dashboard.sql.translate`); parameters are bound by name
(Spark's ``:name`` markers), input relations are temp views. One Spark session per process and master (or
Spark Connect URL); each engine (``Store.cursor()``) is a child session of it (``newSession``), so two
comparisons open at once keep their own views, as DuckDB cursors do. What a query materialises is computed
once (``localCheckpoint``), as DuckDB's temp tables are.

pyspark is imported here only, when an engine is first made: ``relcheck --help`` and the DuckDB path never
load it. A missing pyspark or Java, and a Spark failure mid-command, become a :class:`SparkEngineError`
(exit 2, a message naming what to install or what went away).
"""

from __future__ import annotations

import atexit
import decimal
import json
import os
import re
import shutil
import threading
import uuid
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dashboard.errors import RelcheckError
from dashboard.sql import files, translate
from dashboard.sql.engine import EngineSettings, Inputs, check_call
from dashboard.sql.spark_snapshot import SnapshotMixin

_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")

#: Session settings every relcheck Spark session gets: few shuffle partitions (the aggregates are small),
#: no UI, no progress bars on stderr, and DuckDB's lenient arithmetic (x / 0 is NULL, not an error).
SESSION_CONF: dict[str, str] = {
    "spark.sql.shuffle.partitions": "2",
    "spark.sql.ansi.enabled": "false",
    "spark.sql.session.timeZone": "UTC",
}
#: Settings of a local Spark (the JVM started by this process).
LOCAL_CONF: dict[str, str] = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.adaptive.enabled": "true",
    # C1 only (no C2 optimising JIT): a relcheck command is a few hundred short Spark jobs, and C2 compiling
    # Spark's classes took more CPU than the queries (JFR, compare --by category on the sample store: half the
    # CPU and wall time without it; on the large preset, 20% less CPU).
    "spark.driver.extraJavaOptions": "-Dlog4j2.level=error -XX:TieredStopAtLevel=1",
}

INSTALL_HINT = "install it with `pip install 'relcheck[spark]'` (pyspark and sqlglot)"
JAVA_HINT = ("local Spark needs a Java runtime (17 or 21): `apt-get install default-jre-headless` (or set "
             "JAVA_HOME), or point relcheck at a running cluster with --spark-remote sc://HOST:15002")


class SparkEngineError(RelcheckError):
    """Spark is missing, cannot start, or failed while a command ran (the store is left as it was)."""


_sessions: dict[tuple[str, str | None], Any] = {}
_lock = threading.Lock()
#: Spark Connect sessions this process opened (base and children), closed in order at exit.
_connect_sessions: list[Any] = []


def _close_connect_sessions() -> None:
    """Close every Spark Connect client before the interpreter shuts down.

    Left to pyspark, each session's client is closed by its ``__del__`` during interpreter shutdown, where gRPC's
    channel close can wait forever (a finished ``relcheck ingest --spark-remote`` never exited); and its exit
    hook asks the server to clean caches with retries, a minute or more when the server is gone. A closed
    client skips both."""
    while _connect_sessions:
        session = _connect_sessions.pop()
        try:
            session.client.close()
        except Exception:  # noqa: BLE001 - best effort at exit: the server may be gone
            pass


def _check_local_java() -> None:
    java_home = os.environ.get("JAVA_HOME")
    if shutil.which("java") is None and not (java_home and (Path(java_home) / "bin" / "java").exists()):
        raise SparkEngineError(f"the Spark engine cannot start: no Java runtime found; {JAVA_HINT}")


def _check_reachable(remote: str) -> None:
    """Fail at once, in plain words, when nothing listens at a Spark Connect URL (sc://HOST:PORT/;params)."""
    import socket
    from urllib.parse import urlparse

    if not remote.startswith("sc://"):
        return  # "local[...]": pyspark starts a local Connect server itself
    url = urlparse(remote.split(";", 1)[0])
    host, port = url.hostname or "localhost", url.port or 15002
    try:
        socket.create_connection((host, port), timeout=10).close()
    except OSError as exc:
        raise SparkEngineError(f"cannot reach the Spark Connect server at {host}:{port} ({exc.strerror or exc}); "
                               "start it (sbin/start-connect-server.sh) or fix --spark-remote / "
                               "$RELCHECK_SPARK_REMOTE; nothing was read or written") from exc


def _short_retries(session: Any) -> None:
    """A Connect session that gives up within seconds when the server goes away (pyspark's default retries
    for about 10 minutes), so a command fails with a message (within about a minute) instead of hanging."""
    from pyspark.sql.connect.client.retries import DefaultPolicy

    session.client.set_retry_policies([DefaultPolicy(max_retries=8, max_backoff=10000)])


def base_session(settings: EngineSettings, extra_conf: Mapping[str, str] | None = None) -> Any:
    """The process's Spark session for these settings (started on first use, then shared).

    ``extra_conf``: more settings for a local session started here (tests add the Spark Connect plugin).
    """
    key = (settings.master, settings.remote)
    with _lock:
        if key in _sessions:
            return _sessions[key]
        # pyspark warns on every session that it does not yet "fully support" pandas 3: relcheck never uses
        # pyspark's pandas API (results come back as Arrow), so the warning only clutters every command's output.
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
        try:
            import sqlglot  # noqa: F401  (the translation needs it: fail here, with the install hint)
            from pyspark.sql import SparkSession
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise SparkEngineError(f"the Spark engine needs pyspark and sqlglot: {INSTALL_HINT} ({exc})") from exc
        try:
            if settings.remote:
                _check_reachable(settings.remote)
                if settings.remote.startswith("sc://"):
                    # Connect's own builder: pyspark's refuses a remote session beside a local one in the process.
                    from pyspark.sql.connect.session import SparkSession as ConnectSession

                    session = ConnectSession.builder.remote(settings.remote).getOrCreate()
                else:
                    session = SparkSession.builder.remote(settings.remote).getOrCreate()
                _short_retries(session)
                if not _connect_sessions:
                    atexit.register(_close_connect_sessions)  # after pyspark's own hook: it runs first
                _connect_sessions.append(session)
            else:
                _check_local_java()
                builder = SparkSession.builder.master(settings.master).appName("relcheck")
                for k, v in {**LOCAL_CONF, **SESSION_CONF, **(extra_conf or {})}.items():
                    builder = builder.config(k, v)
                session = builder.getOrCreate()
                session.sparkContext.setLogLevel("ERROR")
        except SparkEngineError:
            raise
        except Exception as exc:
            where = f"the Spark Connect server {settings.remote}" if settings.remote else f"Spark ({settings.master})"
            raise SparkEngineError(f"could not start {where}: {_first_line(exc)}") from exc
        _sessions[key] = session
        return session


def connect(settings: EngineSettings) -> SparkEngine:
    """A new engine: a child session of the process's Spark session (its own temp views)."""
    base = base_session(settings)
    with _errors(settings, "opening a session"):
        child = base.newSession()
        if settings.remote:
            _short_retries(child)
            _connect_sessions.append(child)
        for k, v in SESSION_CONF.items():
            child.conf.set(k, v)
    return SparkEngine(child, settings)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


@contextmanager
def _errors(settings: EngineSettings, doing: str) -> Iterator[None]:
    """A Spark failure as a relcheck error: what failed, and where Spark was (the cluster may have gone)."""
    try:
        yield
    except RelcheckError:
        raise
    except Exception as exc:
        if type(exc).__module__.startswith(("pyspark", "py4j", "grpc")) or isinstance(exc, ConnectionError):
            where = f"Spark Connect at {settings.remote}" if settings.remote else f"Spark {settings.master}"
            raise SparkEngineError(f"{where} failed while {doing}: {_first_line(exc)}; nothing was written to "
                                   "the store (check that the cluster is still up, then run the command again)"
                                   ) from exc
        raise


def _plain(value: Any) -> Any:
    """Spark's DECIMAL values as DuckDB gives them: whole numbers as int (HUGEINT), others as float."""
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


class Result:
    """A query's result on Spark; fetch it once, in the form the caller needs."""

    def __init__(self, df: Any, engine: SparkEngine, name: str) -> None:
        self._df = df
        self._engine = engine
        self._name = name

    def rows(self) -> list[tuple[Any, ...]]:
        with self._engine.errors(f"running query {self._name}"):
            return [tuple(_plain(v) for v in row) for row in self._df.collect()]

    def dicts(self) -> list[dict[str, Any]]:
        with self._engine.errors(f"running query {self._name}"):
            return [{k: _plain(v) for k, v in row.asDict().items()} for row in self._df.collect()]

    def df(self) -> Any:
        """A pandas DataFrame (through Arrow)."""
        return self.arrow().to_pandas()

    def arrow(self) -> Any:
        """A pyarrow Table."""
        with self._engine.errors(f"running query {self._name}"):
            return self._df.toArrow()


class SparkEngine(SnapshotMixin):
    """One Spark session of relcheck's (a child of the process's); not shared between threads."""

    def __init__(self, spark: Any, settings: EngineSettings) -> None:
        self.spark = spark
        self.settings = settings
        self._kept: dict[str, Any] = {}  # materialised tables (cached DataFrames) by name
        self._cached: list[Any] = []  # every DataFrame this engine cached, to unpersist on close

    Error = SparkEngineError

    def errors(self, doing: str) -> Any:
        return _errors(self.settings, doing)

    # ------------------------------------------------------------------ connections
    def cursor(self) -> SparkEngine:
        return connect(self.settings)

    def close(self) -> None:
        """Free this session's cached tables (the shared Spark session stays up); a Spark Connect child session
        also closes its own client (its channel to the server; the server drops the idle session later)."""
        self._kept.clear()
        cached, self._cached = self._cached, []
        try:
            with self.errors("closing a session"):
                for df in cached:
                    df.unpersist()
        finally:
            if self.settings.remote and self.spark in _connect_sessions:
                _connect_sessions.remove(self.spark)
                try:
                    self.spark.client.close()
                except Exception:  # noqa: BLE001 - the server may be gone: nothing left to close there
                    pass

    def _keep(self, table: str, df: Any) -> None:
        self._kept[table] = df
        self._cached.append(df)

    def __enter__(self) -> SparkEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------------- queries
    def _view(self, name: str, df: Any) -> None:
        if not _IDENT.match(name):
            raise ValueError(f"bad relation name {name!r}")
        df.createOrReplaceTempView(name)

    def _bind(self, inputs: Inputs | None) -> None:
        """Point each header name at the relation given for it (its plan as it is now)."""
        for formal, actual in (inputs or {}).items():
            if formal == actual:
                continue
            if not _IDENT.match(actual):
                raise ValueError(f"bad relation name {actual!r}")
            self._view(formal, self.spark.table(actual))

    def _frame(self, name: str, inputs: Inputs | None, params: Mapping[str, object]) -> Any:
        """The query as a Spark DataFrame, its inputs and ``query_table`` relations bound, pinned as a view.

        Pinning (a temp view of a unique name) fixes what each name meant at this call: Spark Connect would
        otherwise resolve the names when the frame runs, after a caller may have re-pointed them.
        """
        q = files.load(name)
        check_call(q, inputs, params)
        # Lists travel as JSON text parameters, read back with from_json (Spark binds no list with a NULL in it).
        lists = tuple(sorted((k, _list_schema(v)) for k, v in params.items() if isinstance(v, (list, tuple))))
        sq = translate.to_spark(q.sql, lists)
        args = {k: json.dumps(list(v)) if isinstance(v, (list, tuple)) else v
                for k, v in params.items() if k not in sq.table_params}
        with self.errors(f"preparing query {name}"):
            self._bind(inputs)
            for p in sq.table_params:
                actual = str(params[p])
                if not _IDENT.match(actual):
                    raise ValueError(f"bad relation name {actual!r}")
                self._view(translate.table_view(p), self.spark.table(actual))
            df = self.spark.sql(sq.sql, args=args) if args else self.spark.sql(sq.sql)
            pinned = f"q_{uuid.uuid4().hex[:12]}"
            self._view(pinned, df)
            return self.spark.table(pinned)

    def run(self, name: str, inputs: Inputs | None = None, **params: object) -> Result:
        return Result(self._frame(name, inputs, params), self, name)

    def relation(self, name: str, inputs: Inputs | None = None, **params: object) -> Any:
        return self._frame(name, inputs, params)

    def materialise(self, table: str, name: str, inputs: Inputs | None = None, append: bool = False,
                    **params: object) -> None:
        """Compute a query once and keep it as ``table`` (appended to it with ``append``)."""
        if not _IDENT.match(table):
            raise ValueError(table)
        df = self._frame(name, inputs, params)
        with self.errors(f"running query {name}"):
            if append:
                df = self.spark.table(table).union(df)
            # Classic: computed now, lineage cut (a lazy cache() instead made later plans re-plan the whole
            # chain: four times the jobs). Connect: a checkpoint lives as long as the client's DataFrame object
            # and is not found once re-resolved through a view, so the server caches instead (unpersisted when
            # the engine closes or the name is dropped).
            kept = df.cache() if self.settings.remote else df.localCheckpoint(eager=True)
            self._view(table, kept)
            self._keep(table, kept)

    # -------------------------------------------------------------------- relations
    def register(self, name: str, relation: Any) -> None:
        """A Spark DataFrame, an Arrow table or a pandas frame, readable as ``name``."""
        with self.errors(f"registering {name}"):
            if not hasattr(relation, "createOrReplaceTempView"):
                relation = self.spark.createDataFrame(relation)
            self._view(name, relation)
            self._kept.pop(name, None)

    def register_parquet(self, name: str, path: Path | str) -> None:
        with self.errors(f"reading {path}"):
            self._view(name, self._read_parquet(_uri(path)))

    def _read_parquet(self, uri: str) -> Any:
        """A Parquet file (or folder of part files) as a DataFrame; its schema read once per process.

        Spark runs a job to read a footer for the schema each time it opens a file: a store's release files
        never change in place (an ingest writes a new folder), so the schema of a (path, size, mtime) is kept.
        """
        key = _file_key(uri)
        schema = _schemas.get(key) if key else None
        if schema is not None:
            return self.spark.read.schema(schema).parquet(uri)
        df = self.spark.read.parquet(uri)
        if key:
            _schemas[key] = df.schema
        return df

    def register_parquet_files(self, name: str, paths: list[Path]) -> None:
        with self.errors("reading Parquet files"):
            self._view(name, self.spark.read.parquet(*[_uri(p) for p in paths]))

    def table(self, name: str) -> Any:
        return self.spark.table(name)

    def drop(self, name: str) -> None:
        if not _IDENT.match(name):
            raise ValueError(name)
        with self.errors(f"dropping {name}"):
            self.spark.catalog.dropTempView(name)
            kept = self._kept.pop(name, None)
            if kept is not None:
                kept.unpersist()
                self._cached = [df for df in self._cached if df is not kept]

    def progress(self) -> float | None:
        """Spark reports progress per stage, not per query: cannot say."""
        return None


def _list_schema(value: list[Any] | tuple[Any, ...]) -> str:
    """The Spark type a list parameter is read as: texts, or lists of texts (the only list parameters)."""
    return "array<array<string>>" if any(isinstance(v, (list, tuple)) for v in value) else "array<string>"


#: Parquet schemas by (path, size, mtime) of a local file (see :meth:`SparkEngine._read_parquet`).
_schemas: dict[tuple[str, int, int], Any] = {}


def _file_key(uri: str) -> tuple[str, int, int] | None:
    """A local Parquet file's identity (None for a folder, a URI, or a file that is not there)."""
    local = uri[len("file://"):] if uri.startswith("file://") else uri
    if "://" in local:
        return None
    try:
        st = os.stat(local)
    except OSError:
        return None
    if not os.path.isfile(local):
        return None
    return (local, st.st_size, st.st_mtime_ns)


#: ``LOCAL=URI``: where Spark reads the store's files when the cluster sees them elsewhere than this machine
#: (``/data/relcheck_store=s3a://bucket/relcheck_store``); catalog and logs are still read at the local path.
PATH_MAP_ENV = "RELCHECK_SPARK_PATH_MAP"


def _uri(path: Path | str) -> str:
    """A store path as Spark's Hadoop layer reads it: mapped by ``$RELCHECK_SPARK_PATH_MAP`` when it lies under
    its local prefix (to file://, s3a://, abfss://, hdfs://...), else as given."""
    text = str(path)
    mapping = os.environ.get(PATH_MAP_ENV, "")
    if "=" in mapping:
        local, uri = mapping.split("=", 1)
        local = local.rstrip("/")
        if text == local or text.startswith(local + "/"):
            return uri.rstrip("/") + text[len(local):]
    return text
