"""Two warehouse backends that run the same SQL text (ClickHouse dialect, `{name:Type}`
parameters): chDB in-process (the embedded default) and a ClickHouse server
(`CLICKHOUSE_URL`, through clickhouse-driver with server-side parameters).

Apps reach a backend only through warehouse/ (the compiler and `warehouse.reads` for reads,
`warehouse.events` for writes) and catch `WarehouseError`; the entry points in ops/ also hold
the backend itself (`serve` swaps and closes it, /healthz probes it).
"""

import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

import orjson
from django.conf import settings

from warehouse.params import ParamValue, encode_text_param, format_datetime, native_param

Params = Mapping[str, ParamValue]


class WarehouseError(Exception):
    """The warehouse refused or failed a query (connection lost, limit exceeded, bad SQL)."""


class WarehouseUnavailable(WarehouseError):
    """The warehouse cannot be reached: safe to retry later."""


class WarehouseRefusedData(WarehouseError):
    """An insert's data cannot be parsed or does not fit the columns: sending the same rows
    again will fail again (the stream writer sets such a batch aside)."""


# ClickHouse error codes that blame an insert's data: CANNOT_PARSE_TEXT, _QUOTED_STRING,
# _INPUT_ASSERTION_FAILED, _DATE, _DATETIME, TYPE_MISMATCH, ARGUMENT_OUT_OF_BOUND,
# CANNOT_CONVERT_TYPE, CANNOT_PARSE_NUMBER, INCORRECT_DATA, TOO_LARGE_STRING_SIZE.
DATA_ERROR_CODES = frozenset({6, 26, 27, 38, 41, 53, 69, 70, 72, 117, 131})
# Codes a server answers when IT cannot reach another server (a shard of a cluster down):
# SOCKET_TIMEOUT, NETWORK_ERROR, ALL_CONNECTION_TRIES_FAILED, ALL_REPLICAS_ARE_STALE,
# NO_REMOTE_SHARD_AVAILABLE. Retrying later is the remedy, as for our own lost connection.
UNREACHABLE_CODES = frozenset({209, 210, 279, 369, 519})
# Sent with every query when settings.CLICKHOUSE_CLUSTER is set (see warehouse.schema):
CLUSTER_SETTINGS = {
    # An insert into the Distributed `events` returns only once every shard it touches has
    # the rows; a shard that is down fails it (WarehouseUnavailable), so the batch stays in
    # the ingest stream and the drain sends it again until the shard is back (re-sent rows
    # collapse under FINAL). Nothing waits in a server's own queue that /healthz cannot see.
    "distributed_foreground_insert": 1,
    # A read that cannot reach a shard fails (a 503), never answers with part of the data.
    "skip_unavailable_shards": 0,
    # A read scoped to one tenant asks only that tenant's shard.
    "optimize_skip_unused_shards": 1,
}
_CODE = re.compile(r"\bCode: (\d+)\.")


def insert_error(message: str, code: int | None = None) -> WarehouseError:
    """The error for a failed insert: WarehouseRefusedData when ClickHouse blames the data."""
    if code is None:
        match = _CODE.search(message)
        code = int(match.group(1)) if match else None
    return (WarehouseRefusedData if code in DATA_ERROR_CODES else WarehouseError)(message)


@dataclass(frozen=True)
class Result:
    columns: list[str]
    rows: list[list[Any]]

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def scalar(self) -> Any:
        return self.rows[0][0] if self.rows else None


class Backend(ABC):
    name: str
    prefers_one_statement = False  # see warehouse.reads.run_many

    def query_many(self, statements: Sequence[tuple[str, Params | None]]) -> list[Result]:
        """Several queries, in order (a server backend runs them concurrently)."""
        return [self.query(sql, params) for sql, params in statements]

    @abstractmethod
    def query(self, sql: str, params: Params | None = None) -> Result: ...

    @abstractmethod
    def command(self, sql: str, params: Params | None = None) -> None: ...

    @abstractmethod
    def insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Insert rows (sequences in `columns` order) as data, never as SQL text. Returns the count.
        Datetime values are `datetime` objects; maps are dicts."""

    def insert_encoded(
        self,
        table: str,
        columns: Sequence[str],
        payloads: Sequence[bytes],
        *,
        decode: Callable[[bytes], Iterable[Sequence[Any]]],
    ) -> int:
        """Insert batches encoded by `encode_compact_columns`, as ONE insert. Here: decoded in
        Python by `decode` and inserted with `insert`; chDB and the server take the documents
        as they are.
        A document that does not decode is refused like any other bad data
        (WarehouseRefusedData), so the caller can set it aside."""
        try:
            rows = [row for payload in payloads for row in decode(payload)]
        except ValueError as exc:
            raise WarehouseRefusedData(f"Cannot insert into {table}: {exc}") from exc
        return self.insert(table, columns, rows)

    def close(self) -> None:  # noqa: B027 - optional
        pass


class ChdbBackend(Backend):
    """chDB: one process per data directory, and one session that is not safe for concurrent
    parameterised queries, so every call holds a lock (the embedded default is one process)."""

    name = "chdb"
    prefers_one_statement = True

    def __init__(self, path: str) -> None:
        from chdb import session

        self._session = session.Session(path)
        self._lock = threading.Lock()

    def _run(self, sql: str, params: Params | None, fmt: str) -> Any:
        encoded = {name: encode_text_param(value) for name, value in (params or {}).items()}
        try:
            with self._lock:
                try:
                    return self._session.query(sql, fmt, params=encoded or None)
                except Exception:
                    self._discard_partial_output()
                    raise
        except Exception as exc:  # chDB raises RuntimeError/ChdbError with ClickHouse's message
            raise WarehouseError(str(exc)) from exc

    def _discard_partial_output(self) -> None:
        """chDB keeps what a failed query had written and prepends it to the NEXT query's
        result (seen with max_rows_to_read exceeded: the next JSONCompact answer held two
        documents). A throwaway query takes the leftovers, so every caller reads only its own
        rows. Called with the lock held."""
        try:
            self._session.query("SELECT 1", "CSV")
        except Exception:  # noqa: S110 - best effort; the original error is what matters
            pass

    def query(self, sql: str, params: Params | None = None) -> Result:
        raw = self._run(sql, params, "JSONCompact").bytes()
        if not raw:
            return Result(columns=[], rows=[])
        payload = orjson.loads(raw)
        return Result(columns=[col["name"] for col in payload["meta"]], rows=payload["data"])

    def command(self, sql: str, params: Params | None = None) -> None:
        self._run(sql, params, "CSV")

    def insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        body, count = encode_compact_columns(columns, rows)
        if count:
            self._send_compact_columns(table, columns, [body])
        return count

    def insert_encoded(
        self,
        table: str,
        columns: Sequence[str],
        payloads: Sequence[bytes],
        *,
        decode: Callable[[bytes], Iterable[Sequence[Any]]],
    ) -> int:
        """The documents go to ClickHouse's JSONCompactColumns reader as they are, one block each:
        no Python work per row."""
        if not payloads:
            return 0
        return self._send_compact_columns(table, columns, payloads)

    def _send_compact_columns(
        self, table: str, columns: Sequence[str], bodies: Sequence[bytes]
    ) -> int:
        statement = (
            f"INSERT INTO {table} ({', '.join(columns)}) SETTINGS {_ENCODED_INSERT_SETTINGS}"
        )
        try:
            with self._lock:
                with self._session.send_insert(statement, "JSONCompactColumns") as inserter:
                    for body in bodies:
                        inserter.append(body)
                    result = inserter.finish()  # leaving the block without finish() cancels it
        except Exception as exc:
            raise insert_error(str(exc)) from exc
        return int(result.rows_written)

    def close(self) -> None:
        with self._lock:
            self._session.close()


# How both backends insert encode_compact_columns documents. optimize_on_insert=0: skip
# collapsing duplicate sort keys inside each inserted block (it halves the insert cost);
# ReplacingMergeTree reads use FINAL and merges collapse them anyway, so what a query counts
# is unchanged.
_ENCODED_INSERT_SETTINGS = "date_time_input_format = 'best_effort', optimize_on_insert = 0"


def encode_compact_columns(
    columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> tuple[bytes, int]:
    """JSONCompactColumns (`[[column 1 values], [column 2 values], ...]`): data parsed by
    ClickHouse's strict JSON reader, never by the SQL parser. Transposing with zip and encoding
    with one orjson call keeps Python out of the per-value work; datetimes become RFC 3339 text
    (naive ones as UTC), which ClickHouse truncates to the column's millisecond precision."""
    data = list(zip(*rows, strict=True))
    if not data:
        return b"", 0
    if len(data) != len(columns):
        raise ValueError(
            f"Rows have {len(data)} values, expected {len(columns)} ({', '.join(columns)})."
        )
    return orjson.dumps(data, option=orjson.OPT_NAIVE_UTC), len(data[0])


class ServerBackend(Backend):
    """A ClickHouse server over the native protocol. clickhouse-driver with
    `server_side_params=True` sends `{name:Type}` values as typed parameters, encoding them
    itself, so this backend hands it plain Python values (datetimes as UTC text)."""

    name = "server"
    POOL_SIZE = 8  # concurrent queries of one `query_many` (each thread keeps its connection)

    def __init__(self, url: str, *, session_settings: Mapping[str, Any] | None = None) -> None:
        from clickhouse_driver import Client

        self._url = url
        self._session_settings = dict(session_settings or {})
        self._local = threading.local()  # a native connection is not thread-safe
        self._client_cls = Client
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    def query_many(self, statements: Sequence[tuple[str, Params | None]]) -> list[Result]:
        """Concurrently, over a pool of threads that each keep one native connection (the
        server runs the queries in parallel)."""
        if len(statements) < 2:
            return super().query_many(statements)
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.POOL_SIZE, thread_name_prefix="clickhouse")
        futures = [self._pool.submit(self.query, sql, params) for sql, params in statements]
        return [future.result() for future in futures]

    def _client(self) -> Any:
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._client_cls.from_url(self._url)
            client.client_settings["server_side_params"] = True
            client.connection.context.client_settings["server_side_params"] = True
            client.settings.update(self._session_settings)
            self._local.client = client
        return client

    def at(self, *, host: str, port: int) -> "ServerBackend":
        """The same user, password, database and settings on another server (of a cluster)."""
        parsed = urlparse(self._url)
        credentials = parsed.netloc.rpartition("@")[0]
        netloc = f"{credentials}@{host}:{port}" if credentials else f"{host}:{port}"
        return ServerBackend(
            parsed._replace(netloc=netloc).geturl(), session_settings=self._session_settings
        )

    @staticmethod
    def _typed(params: Params | None) -> dict[str, Any]:
        return {name: native_param(value) for name, value in (params or {}).items()}

    def _execute(
        self, sql: str, params: Params | None = None, *, data: Any = None, **kwargs: Any
    ) -> Any:
        """`params` for `{name:Type}` placeholders, or `data`: the values of an INSERT."""
        from clickhouse_driver import errors

        try:
            values = self._typed(params) if data is None else data
            return self._client().execute(sql, values, **kwargs)
        except (errors.NetworkError, errors.SocketTimeoutError, ConnectionError, OSError) as exc:
            self._local.client = None
            raise WarehouseUnavailable(str(exc)) from exc
        except errors.Error as exc:
            if getattr(exc, "code", None) in UNREACHABLE_CODES:
                raise WarehouseUnavailable(str(exc)) from exc
            raise WarehouseError(str(exc)) from exc

    def query(self, sql: str, params: Params | None = None) -> Result:
        rows, types = self._execute(sql, params, with_column_types=True)
        return Result(
            columns=[name for name, _ in types], rows=[_jsonable(list(row)) for row in rows]
        )

    def command(self, sql: str, params: Params | None = None) -> None:
        self._execute(sql, params)

    def _execute_insert(self, statement: str, **kwargs: Any) -> None:
        """Run an insert; a failure that is not the server being unreachable becomes
        `insert_error`'s (WarehouseRefusedData when ClickHouse blames the data)."""
        try:
            self._execute(statement, **kwargs)
        except WarehouseUnavailable:
            raise
        except WarehouseError as exc:
            raise insert_error(str(exc), getattr(exc.__cause__, "code", None)) from exc.__cause__

    def insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        # Whole columns: clickhouse-driver then encodes column by column, not value by value.
        data = [list(column) for column in zip(*rows, strict=True)]
        if not data:
            return 0
        statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES"
        try:
            self._execute_insert(statement, data=data, columnar=True)
        except (TypeError, ValueError, OverflowError) as exc:  # values the driver cannot encode
            raise WarehouseRefusedData(f"Cannot insert into {table}: {exc}") from exc
        return len(data[0])

    def insert_encoded(
        self,
        table: str,
        columns: Sequence[str],
        payloads: Sequence[bytes],
        *,
        decode: Callable[[bytes], Iterable[Sequence[Any]]],
    ) -> int:
        """The documents go to the server as they are, inline after `FORMAT JSONCompactColumns`:
        the server's own reader parses them, as chDB's does in-process (decoding them in Python
        for the driver made the stream writer ~15x slower than chDB's). Nothing after FORMAT is
        parsed as SQL: the reader takes the rest of the query as data."""
        if not payloads:
            return 0
        try:
            data = "\n".join(payload.decode() for payload in payloads)
        except UnicodeDecodeError as exc:
            raise WarehouseRefusedData(f"Cannot insert into {table}: {exc}") from exc
        statement = (
            f"INSERT INTO {table} ({', '.join(columns)}) "
            f"SETTINGS {_ENCODED_INSERT_SETTINGS} FORMAT JSONCompactColumns\n"
        )
        self._execute_insert(statement + data)
        # The rows read from the input: written_rows also counts what a Distributed table or a
        # materialized view writes on (8 for 6 rows on a 2-shard cluster).
        return int(self._client().last_query.progress.rows)

    def close(self) -> None:
        client = getattr(self._local, "client", None)
        if client is not None:
            client.disconnect()


def _jsonable(row: list[Any]) -> list[Any]:
    """Match chDB's JSONCompact output: datetimes as 'YYYY-MM-DD HH:MM:SS[.fff]' text."""
    return [format_datetime(v) if isinstance(v, datetime) else v for v in row]


_backend: Backend | None = None
_backend_lock = threading.Lock()


def backend_from_settings() -> Backend:
    if settings.CLICKHOUSE_URL:
        parsed = urlparse(settings.CLICKHOUSE_URL)
        if parsed.scheme not in ("clickhouse", "clickhouses"):
            raise ValueError(
                "CLICKHOUSE_URL must look like clickhouse://user:password@host:9000/database"
            )
        cluster = CLUSTER_SETTINGS if settings.CLICKHOUSE_CLUSTER else None
        return ServerBackend(settings.CLICKHOUSE_URL, session_settings=cluster)
    if settings.CLICKHOUSE_CLUSTER:
        raise ValueError("CLICKHOUSE_CLUSTER needs CLICKHOUSE_URL: a server of the cluster.")
    return ChdbBackend(settings.CHDB_PATH)


def get_backend() -> Backend:
    """The process-wide backend (chDB allows one session per data directory per process)."""
    global _backend
    if _backend is None:
        with _backend_lock:
            if _backend is None:
                _backend = backend_from_settings()
    return _backend


def set_backend(backend: Backend | None) -> Backend | None:
    """Swap the process-wide backend (tests, and `serve` at shutdown). Returns the previous one."""
    global _backend
    with _backend_lock:
        previous, _backend = _backend, backend
    return previous
