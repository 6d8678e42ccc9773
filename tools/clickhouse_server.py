"""A local ClickHouse server from the pinned chdb wheel: for tests and local development only.

The `chdb-core` wheel holds the whole ClickHouse LocalServer. Its module-level
`chdb._chdb.query(sql, fmt, path=DATA_DIR)` reads `config.xml` from the current directory;
`SYSTEM START LISTEN TCP; SYSTEM START LISTEN HTTP;` followed by a query that blocks (reading
a FIFO) keeps the native and HTTP listeners up for as long as that query runs. Writing a line
to the FIFO ends the query and the process exits; the data stays in DATA_DIR.

No authentication (user `default`, no password) and loopback only. `_chdb.query` is private
API: the versions are pinned exactly in pyproject.toml and checked at every start. Production
runs the official ClickHouse server image (compose.yaml), never this.

By hand (stops on Ctrl-C or SIGTERM):

    .venv/bin/python tools/clickhouse_server.py --data var/clickhouse \
        --tcp-port 9000 --http-port 8123

Around a command (CLICKHOUSE_URL set for it; the server stops when it ends; its exit code):

    .venv/bin/python tools/clickhouse_server.py -- .venv/bin/python -m pytest tests/warehouse

From Python:

    with ClickHouseServer(data_dir=path, tcp_port=19000, http_port=19001) as server:
        ...  # server.url == "clickhouse://default@127.0.0.1:19000/default"

`config_extra` is an XML fragment placed inside `<clickhouse>` of the generated config, e.g.
`<remote_servers>…</remote_servers>` and
`<background_distributed_schedule_pool_size>4</background_distributed_schedule_pool_size>`
for a cluster of such servers.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import errno
import importlib.metadata
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Protocol

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
PINNED_PACKAGES = ("chdb", "chdb-core")
HOST = "127.0.0.1"  # no authentication: never listen beyond loopback
STOP_FIFO = "stop.fifo"
CONFIG_FILE = "config.xml"
LOG_FILE = "server.log"


class ServerError(RuntimeError):
    """The server could not start, or is not the pinned version."""


def pinned_versions(pyproject: Path = PYPROJECT) -> dict[str, str]:
    """{"chdb": "4.4.0", "chdb-core": "26.9.0"}: the exact pins of pyproject.toml."""
    dependencies = tomllib.loads(pyproject.read_text())["project"]["dependencies"]
    pins = {}
    for requirement in dependencies:
        name, sep, version = requirement.partition("==")
        if sep and name.strip() in PINNED_PACKAGES:
            pins[name.strip()] = version.strip()
    missing = set(PINNED_PACKAGES) - set(pins)
    if missing:
        raise ServerError(f"pyproject.toml must pin {', '.join(sorted(missing))} with ==")
    return pins


def check_installed_versions() -> str:
    """Raise unless the installed wheels are the pinned ones; returns the expected server
    version prefix ("26.9.": the engine's major.minor, from the chdb-core pin)."""
    pins = pinned_versions()
    for name, version in pins.items():
        installed = importlib.metadata.version(name)
        if installed != version:
            raise ServerError(f"{name} {installed} is installed; pyproject.toml pins {version}")
    major, minor, *_ = pins["chdb-core"].split(".")
    return f"{major}.{minor}."


def config_xml(*, tcp_port: int, http_port: int, display_name: str, extra: str = "") -> str:
    """display_name is what `SELECT displayName()` answers: how start() knows it reached this
    server and not another one on the same port."""
    return (
        "<clickhouse>\n"
        f"  <display_name>{display_name}</display_name>\n"
        f"  <listen_host>{HOST}</listen_host>\n"
        f"  <tcp_port>{int(tcp_port)}</tcp_port>\n"
        f"  <http_port>{int(http_port)}</http_port>\n"
        f"{extra}\n"
        "</clickhouse>\n"
    )


def free_ports(count: int, *, exclude: tuple[int | None, ...] = ()) -> list[int]:
    """`count` distinct ports free right now: from SIGHTLINE_PORT_RANGE ("19000-19199") when
    set (a machine shared by several people), else from the OS's ephemeral range."""
    first, _, last = os.environ.get("SIGHTLINE_PORT_RANGE", "").partition("-")
    candidates = range(int(first), int(last) + 1) if last else [0] * count
    held: list[socket.socket] = []
    try:
        for port in candidates:
            if port and port in exclude:
                continue
            sock = socket.socket()
            try:
                sock.bind((HOST, port))
            except OSError:
                sock.close()
                continue
            held.append(sock)
            if len(held) == count:
                return [sock.getsockname()[1] for sock in held]
    finally:
        for sock in held:
            sock.close()
    raise ServerError(f"no {count} free ports in SIGHTLINE_PORT_RANGE={first}-{last}")


class ClickHouseServer:
    """One server process on one data directory (a directory serves one process at a time).

    `start()` returns once the native port answers `SELECT version()` with the pinned version
    and the HTTP port answers /ping; `stop()` ends it cleanly (FIFO, then SIGTERM, then
    SIGKILL). The process also stops when the process that started it dies."""

    def __init__(
        self,
        *,
        data_dir: str | os.PathLike[str],
        tcp_port: int | None = None,
        http_port: int | None = None,
        config_extra: str = "",
        ready_timeout: float = 60.0,
    ) -> None:
        self.data_dir = Path(data_dir).resolve()
        ports = free_ports(2, exclude=(tcp_port, http_port)) if not (tcp_port and http_port) else []
        self.tcp_port = tcp_port or ports[0]
        self.http_port = http_port or ports[1]
        self.config_extra = config_extra
        self.ready_timeout = ready_timeout
        self.workdir: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.version = ""
        self.display_name = f"sightline-{uuid.uuid4().hex[:12]}"

    @property
    def url(self) -> str:
        """For CLICKHOUSE_URL (the native protocol, database `default`)."""
        return f"clickhouse://default@{HOST}:{self.tcp_port}/default"

    @property
    def http_url(self) -> str:
        return f"http://{HOST}:{self.http_port}"

    def start(self) -> ClickHouseServer:
        expected = check_installed_versions()
        for port in (self.tcp_port, self.http_port):
            if _listening(port):
                raise ServerError(f"port {port} is already in use")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.workdir = Path(tempfile.mkdtemp(prefix="sightline-clickhouse-"))
        (self.workdir / CONFIG_FILE).write_text(
            config_xml(
                tcp_port=self.tcp_port,
                http_port=self.http_port,
                display_name=self.display_name,
                extra=self.config_extra,
            )
        )
        os.mkfifo(self.workdir / STOP_FIFO)
        with open(self.workdir / LOG_FILE, "wb") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    str(Path(__file__).resolve()),
                    "--serve-in",
                    str(self.workdir),
                    "--data",
                    str(self.data_dir),
                ],
                cwd=self.workdir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            self.version = self._wait_ready()
            if not self.version.startswith(expected):
                raise ServerError(f"server version {self.version}, expected {expected}x")
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self) -> str:
        from clickhouse_driver import Client

        deadline = time.monotonic() + self.ready_timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise ServerError(f"the server process exited:\n{self.log_tail()}")
            if not _listening(self.tcp_port):
                time.sleep(0.05)
                continue
            client = Client(HOST, port=self.tcp_port, connect_timeout=1, send_receive_timeout=5)
            try:
                version, name = client.execute("SELECT version(), displayName()")[0]
                if name != self.display_name:
                    raise ServerError(f"port {self.tcp_port} is served by another server ({name})")
                with urllib.request.urlopen(f"{self.http_url}/ping", timeout=2) as answer:
                    answer.read()
                return version
            except ServerError:
                raise
            except Exception as exc:  # not listening yet
                last_error = exc
                time.sleep(0.1)
            finally:
                client.disconnect()
        raise ServerError(
            f"not ready on ports {self.tcp_port}/{self.http_port} after {self.ready_timeout:.0f}"
            f" s ({last_error}):\n{self.log_tail()}"
        )

    def log_tail(self, lines: int = 20) -> str:
        log = self.workdir / LOG_FILE if self.workdir else None
        if log is None or not log.exists():
            return ""
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, timeout: float = 15.0) -> None:
        """Idempotent. The data directory stays; the private working directory goes."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)  # the server process turns it into a FIFO write
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def __enter__(self) -> ClickHouseServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _listening(port: int) -> bool:
    """A plain connect first: clickhouse-driver logs every refused connection."""
    try:
        socket.create_connection((HOST, port), timeout=1).close()
    except OSError:
        return False
    return True


def _serve(workdir: Path, data_dir: Path) -> int:
    """The server process: run the blocking query in a thread, so that SIGTERM / SIGINT (handled
    on the main thread) can end it by writing to the FIFO, and the process exits normally."""
    _die_with_parent()
    parent = os.getppid()
    import chdb._chdb

    os.chdir(workdir)  # _chdb reads config.xml from the current directory
    fifo = workdir / STOP_FIFO
    finished = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        try:
            chdb._chdb.query(
                "SYSTEM START LISTEN TCP; SYSTEM START LISTEN HTTP; "
                f"SELECT count() FROM file('{fifo}', 'LineAsString')",
                "CSV",
                path=str(data_dir),
            )
        except BaseException as exc:
            failure.append(exc)
        finally:
            finished.set()

    def stop(signum: int, frame: object) -> None:
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno != errno.ENXIO:  # ENXIO: nobody reads it yet, the query never started
                raise
            os._exit(128 + signum)
        try:
            os.write(fd, b"stop\n")
        finally:
            os.close(fd)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    threading.Thread(target=run, name="clickhouse-server", daemon=True).start()
    while not finished.wait(0.5):
        pass
    if os.getppid() != parent:  # orphaned: nobody else will remove the working directory
        shutil.rmtree(workdir, ignore_errors=True)
    if failure:
        print(f"clickhouse server failed: {failure[0]}", file=sys.stderr, flush=True)
        return 1
    return 0


def _die_with_parent() -> None:
    """Linux: SIGTERM this process when its parent dies, so no server outlives a killed test run."""
    with contextlib.suppress(OSError, AttributeError):
        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def split_command(argv: list[str]) -> tuple[list[str], list[str]]:
    """`[options…] -- COMMAND…` -> (options, COMMAND); no `--`: no command."""
    if "--" not in argv:
        return argv, []
    at = argv.index("--")
    return argv[:at], argv[at + 1 :]


class Startable(Protocol):
    def start(self) -> object: ...
    def stop(self) -> None: ...


def run_around(
    target: Startable,
    *,
    what: str,
    command: list[str],
    env: dict[str, str],
    ready: Callable[[], str],
    temporary: str | None = None,
    alive: Callable[[], bool] = lambda: True,
) -> int:
    """Start `target`, print `ready()`, then run COMMAND with `env` added (its exit code), or
    serve until Ctrl-C, SIGTERM or `alive()` turns false; always stop it and remove the
    temporary data directory. The one run loop of the server and the cluster scripts."""
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        try:
            target.start()
        except ServerError as exc:
            print(f"{what} did not start: {exc}", file=sys.stderr)
            return 1
        print(ready(), file=sys.stderr, flush=True)
        if command:
            return subprocess.call(command, env={**os.environ, **env})
        with contextlib.suppress(KeyboardInterrupt):
            while not stopping.wait(1) and alive():
                pass
        return 0
    finally:
        target.stop()
        if temporary:
            shutil.rmtree(temporary, ignore_errors=True)


def _arguments(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    argv, command = split_command(argv)
    parser = argparse.ArgumentParser(
        description="Run a local ClickHouse server from the pinned chdb wheel (tests, dev only).",
        epilog="With `-- COMMAND...`: run COMMAND with CLICKHOUSE_URL set, then stop the server "
        "and exit with COMMAND's code. Without: serve until Ctrl-C or SIGTERM.",
    )
    parser.add_argument("--data", type=Path, help="data directory (default: temporary, removed)")
    parser.add_argument("--tcp-port", type=int, help="native protocol port (default: a free one)")
    parser.add_argument("--http-port", type=int, help="HTTP port (default: a free one)")
    parser.add_argument(
        "--config-extra",
        type=Path,
        action="append",
        default=[],
        help="file with an XML fragment for inside <clickhouse> (repeatable)",
    )
    parser.add_argument("--ready-timeout", type=float, default=60.0)
    parser.add_argument("--serve-in", type=Path, help=argparse.SUPPRESS)  # the server process
    return parser.parse_args(argv), command


def main(argv: list[str] | None = None) -> int:
    args, command = _arguments(sys.argv[1:] if argv is None else argv)
    if args.serve_in:
        return _serve(args.serve_in, args.data)
    temporary = None if args.data else tempfile.mkdtemp(prefix="sightline-clickhouse-data-")
    server = ClickHouseServer(
        data_dir=args.data or temporary,
        tcp_port=args.tcp_port,
        http_port=args.http_port,
        config_extra="\n".join(path.read_text() for path in args.config_extra),
        ready_timeout=args.ready_timeout,
    )
    return run_around(
        server,
        what="ClickHouse server",
        command=command,
        env={"CLICKHOUSE_URL": server.url},
        ready=lambda: (
            f"ClickHouse {server.version} ready: CLICKHOUSE_URL={server.url} "
            f"(HTTP {server.http_url}, data {server.data_dir})"
        ),
        temporary=temporary,
        alive=lambda: server.process is not None and server.process.poll() is None,
    )


if __name__ == "__main__":
    sys.exit(main())
