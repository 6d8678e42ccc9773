"""A PostgreSQL cluster and a redis-server of their own, for ops.topology (local production
topology and its tests). Never the machine's services: their own ports and directories."""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """preexec_fn: the child gets SIGTERM when the process that started it dies (Linux)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _wait_port(port: int, *, up: bool, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while listening(port) != up:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not {'open' if up else 'close'} port {port}")
        time.sleep(0.1)


class LocalPostgres:
    """initdb (once) + pg_ctl on `port`, user and database `sightline` as in compose.yaml.
    As root, PostgreSQL's tools run as the `postgres` system user (initdb refuses root)."""

    def __init__(self, *, data_dir: Path, port: int) -> None:
        self.data_dir = Path(data_dir)
        self.port = port
        self.url = f"postgres://sightline@127.0.0.1:{port}/sightline"

    def _run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run(
            [*prefix, *command], capture_output=True, text=True, check=check,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip

    def start(self) -> None:
        if listening(self.port):
            raise RuntimeError(f"port {self.port} is already in use")
        fresh = not (self.data_dir / "PG_VERSION").exists()
        if fresh:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            if os.geteuid() == 0:
                for path in (self.data_dir, *self.data_dir.parents):
                    if path == Path("/"):
                        break
                    path.chmod(path.stat().st_mode | 0o011 if path != self.data_dir else 0o700)
                shutil.chown(self.data_dir, "postgres", "postgres")
            self._run(
                str(PG_BIN / "initdb"), "-D", str(self.data_dir), "-U", "sightline",
                "-A", "trust", "--no-sync", "-E", "UTF8",
            )  # fmt: skip
        self.start_server()
        if fresh:
            self._run(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                      "-U", "sightline", "sightline")  # fmt: skip

    def start_server(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data_dir} -c fsync=off"
        done = self._run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data_dir), "-o", options, "-w", "-t", "60",
            "-l", str(self.data_dir / "server.log"), "start", check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"PostgreSQL did not start: {done.stdout}{done.stderr}")

    def stop(self, mode: str = "fast") -> None:
        if (self.data_dir / "postmaster.pid").exists():
            self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data_dir), "-m", mode, "-w",
                      "stop", check=False)  # fmt: skip


class LocalRedis:
    """redis-server with compose.yaml's flags (append-only, fsync always) on `port`."""

    def __init__(self, *, command: list[str], port: int, log: Path) -> None:
        self.command = command
        self.port = port
        self.log = log
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        if listening(self.port):
            raise RuntimeError(f"port {self.port} is already in use")
        directory = Path(self.command[self.command.index("--dir") + 1])
        directory.mkdir(parents=True, exist_ok=True)
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                self.command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                preexec_fn=die_with_parent,
            )  # fmt: skip
        _wait_port(self.port, up=True, timeout=20, what="redis-server")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(sig)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
