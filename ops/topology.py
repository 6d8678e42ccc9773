"""compose.yaml's production topology without Docker: `make prod-local`, and the tests of it.

compose.yaml is the one source of truth. This module reads it and runs the same services as
local processes: the same environment (`x-sightline`), the same entry commands (`migrate`,
`web`, `worker`, `beat`, and `redis`'s server flags), with only what cannot be the same changed
(`local_command` lists every change; tests/ops/test_topology.py compares the two):
  - the stores' addresses: DATABASE_URL, CLICKHOUSE_URL and REDIS_URL name local instances;
  - `python` and `celery` are this virtualenv's (first on PATH);
  - web listens on 127.0.0.1:<its port> instead of 0.0.0.0:8000 (two of them, two ports);
  - each worker gets a node name (`-n workerN@%h`: containers have distinct host names);
  - beat's schedule file lives in the run directory; redis gets a port and a directory;
  - `collectstatic` (a build step of the Dockerfile) runs before `migrate`.
The stores: the ClickHouse server of tools/clickhouse_server.py (the pinned chdb wheel, instead
of the official image), a PostgreSQL cluster of its own (initdb + pg_ctl) unless DATABASE_URL
is given, a redis-server of its own unless REDIS_URL is given.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ops.local_stores import LocalPostgres, LocalRedis, die_with_parent
from tools.clickhouse_server import ClickHouseServer

REPO = Path(__file__).resolve().parent.parent
COMPOSE = REPO / "compose.yaml"
APP_SERVICES = ("migrate", "web", "worker", "beat")
_INTERPOLATION = re.compile(r"\$\{(\w+)(?::([-?])([^}]*))?\}")


def compose_file(path: Path = COMPOSE) -> dict:
    return yaml.safe_load(path.read_text())


def interpolate(value: str, given: dict[str, str]) -> str:
    """compose's `${VAR}`, `${VAR:-default}`, `${VAR:?message}` and `$$`, from `given`."""

    def one(match: re.Match[str]) -> str:
        name, op, rest = match.groups()
        if given.get(name):
            return given[name]
        if op == "?":
            raise ValueError(f"{name} must be set: {rest}")
        return rest if op == "-" else ""

    return _INTERPOLATION.sub(one, value).replace("$$", "$")


def compose_environment(given: dict[str, str], compose: dict | None = None) -> dict[str, str]:
    """The app services' environment (compose.yaml's x-sightline anchor), interpolated."""
    env = (compose or compose_file())["x-sightline"]["environment"]
    return {key: interpolate(str(value), given) for key, value in env.items()}


def local_command(
    service: str, *, compose: dict | None = None, port: int = 0, name: str = "", run_dir: Path
) -> list[str]:
    """The compose service's command with the documented local changes (module docstring)."""
    command = [interpolate(str(part), {}) for part in (compose or compose_file())["services"][
        service]["command"]]  # fmt: skip
    if service == "web":
        command = [f"127.0.0.1:{port}" if part == "0.0.0.0:8000" else part for part in command]
    elif service == "worker":
        command += ["-n", f"{name}@%h"]
    elif service == "beat":
        at = command.index("--schedule") + 1
        command[at] = str(run_dir / "celerybeat-schedule")
    elif service == "redis":
        command += ["--port", str(port), "--bind", "127.0.0.1", "--dir", str(run_dir)]
    return command


@dataclass
class Ports:
    web: tuple[int, ...] = (8000, 8001)
    clickhouse_tcp: int = 9000
    clickhouse_http: int = 8123
    redis: int = 6380
    postgres: int = 5433


@dataclass
class Topology:
    """start() brings everything up in compose's order and waits until every web process's
    /healthz answers 200 and the worker is ready; stop() takes everything down. Processes can be
    killed and started again one by one (`kill`, `start_app`) for the fault tests."""

    run_dir: Path
    ports: Ports = field(default_factory=Ports)
    database_url: str = ""  # empty: a PostgreSQL cluster of our own
    redis_url: str = ""  # empty: a redis-server of our own
    extra_env: dict[str, str] = field(default_factory=dict)
    workers: int = 1
    postgres_dir: Path | None = None  # default run_dir/postgres
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.run_dir = Path(self.run_dir).resolve()
        self.logs = self.run_dir / "logs"
        self.compose = compose_file()
        self.clickhouse = ClickHouseServer(
            data_dir=self.run_dir / "clickhouse",
            tcp_port=self.ports.clickhouse_tcp,
            http_port=self.ports.clickhouse_http,
        )
        postgres_dir = self.postgres_dir or self.run_dir / "postgres"
        self.postgres = None if self.database_url else LocalPostgres(
            data_dir=postgres_dir, port=self.ports.postgres)  # fmt: skip
        self.redis = None if self.redis_url else LocalRedis(
            command=local_command("redis", compose=self.compose, port=self.ports.redis,
                                  run_dir=self.run_dir / "redis"),
            port=self.ports.redis, log=self.run_dir / "logs" / "redis.log")  # fmt: skip

    # --- the environment --------------------------------------------------------------------
    @property
    def web_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.ports.web]

    def environment(self) -> dict[str, str]:
        secret = self.run_dir / "secret_key"
        if not secret.exists():
            secret.write_text(secrets.token_urlsafe(64))
        given = {
            "SECRET_KEY": secret.read_text().strip(),
            "POSTGRES_PASSWORD": "unused-locally",
            "CLICKHOUSE_PASSWORD": "unused-locally",
            "PUBLIC_URL": self.web_urls[0],
        }
        env = compose_environment(given, self.compose)
        env.update(
            DATABASE_URL=self.database_url or self.postgres.url,
            CLICKHOUSE_URL=self.clickhouse.url,
            REDIS_URL=self.redis_url or self.redis.url,
            PROMETHEUS_MULTIPROC_DIR=str(self.run_dir / "metrics"),
        )
        env.update(self.extra_env)
        venv_bin = str(Path(sys.executable).parent)
        base = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
        return {**base, **env, "PATH": f"{venv_bin}:{os.environ.get('PATH', '')}"}

    # --- lifecycle --------------------------------------------------------------------------
    def start(self) -> Topology:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.logs.mkdir(exist_ok=True)
        metrics = self.run_dir / "metrics"
        shutil.rmtree(metrics, ignore_errors=True)  # compose's migrate empties it likewise
        metrics.mkdir()
        try:
            self.start_stores()
            self.run("manage", "collectstatic", "--noinput", "--verbosity", "0")  # the image's
            self.run("migrate")
            for index in range(len(self.ports.web)):
                self.start_app(f"web{index + 1}")
            for index in range(self.workers):
                self.start_app(f"worker{index + 1}")
            self.start_app("beat")
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def start_stores(self) -> None:
        self.clickhouse.start()
        if self.postgres:
            self.postgres.start()
        if self.redis:
            self.redis.start()

    def run(self, service: str, *extra: str, timeout: float = 300) -> str:
        """A one-shot compose service (`migrate`) or `manage.py` arguments (service "manage")."""
        if service == "manage":
            command = ["python", "manage.py", *extra]
        else:
            command = local_command(service, compose=self.compose, run_dir=self.run_dir)
        done = subprocess.run(
            command, cwd=REPO, env=self.environment(), capture_output=True, text=True,
            timeout=timeout, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def start_app(self, name: str) -> subprocess.Popen:
        """web1, web2, …, worker1, worker2, …, beat (started again after a kill)."""
        service = name.rstrip("0123456789")
        index = int(name[len(service) :] or 1) - 1
        port = self.ports.web[index] if service == "web" else 0
        command = local_command(
            service, compose=self.compose, port=port, name=name, run_dir=self.run_dir
        )
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - the child owns it
        self.processes[name] = subprocess.Popen(
            command, cwd=REPO, env=self.environment(), stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=die_with_parent,
        )  # fmt: skip
        log.close()
        return self.processes[name]

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        pending = [n for n in self.processes if n.startswith(("web", "worker"))]
        while pending:
            for name in list(pending):
                process = self.processes[name]
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited ({process.returncode}):\n{self.log(name)}")
                if self._ready(name):
                    pending.remove(name)
            if time.monotonic() > deadline:
                raise RuntimeError(f"not ready after {timeout:.0f} s: {pending}")
            time.sleep(0.2)

    def _ready(self, name: str) -> bool:
        if name.startswith("worker"):
            return " ready." in self.log(name)
        url = self.web_urls[int(name[3:]) - 1]
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:
                return answer.status == 200
        except OSError:
            return False

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def kill(self, name: str, sig: int = signal.SIGKILL, *, wait: bool = True) -> None:
        """Signal a process and everything it started (a worker's pool, like a container);
        it leaves the topology until `start_app(name)`."""
        process = self.processes.pop(name)
        if process.poll() is None:
            os.killpg(process.pid, sig)
        if wait:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def stop(self) -> None:
        for name in reversed(list(self.processes)):
            self.kill(name, signal.SIGTERM)
        if self.redis:
            self.redis.stop()
        if self.postgres:
            self.postgres.stop()
        self.clickhouse.stop()

    def __enter__(self) -> Topology:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Run compose.yaml's topology locally.")
    parser.add_argument("--run-dir", default=str(REPO / "var" / "prod-local"))
    parser.add_argument("--web-ports", default="8000,8001")
    parser.add_argument("--clickhouse-ports", default="9000,8123", help="TCP,HTTP")
    parser.add_argument("--redis-port", type=int, default=6380)
    parser.add_argument("--postgres-port", type=int, default=5433)
    args = parser.parse_args(argv)
    tcp, http = (int(p) for p in args.clickhouse_ports.split(","))
    topology = Topology(
        run_dir=Path(args.run_dir),
        ports=Ports(
            web=tuple(int(p) for p in args.web_ports.split(",")),
            clickhouse_tcp=tcp, clickhouse_http=http,
            redis=args.redis_port, postgres=args.postgres_port,
        ),
        database_url=os.environ.get("DATABASE_URL", ""),
        redis_url=os.environ.get("REDIS_URL", ""),
    )  # fmt: skip
    signal.signal(signal.SIGTERM, _interrupt)
    with topology:
        print(f"Sightline (production topology) on {', '.join(topology.web_urls)}")
        print(f"logs: {topology.logs}/  ClickHouse: {topology.clickhouse.url}")
        print(f"{'  '.join(f'{n}={p.pid}' for n, p in topology.processes.items())}")
        print("Ctrl-C stops everything.", flush=True)
        try:
            while all(p.poll() is None for p in topology.processes.values()):
                time.sleep(1)
            dead = [n for n, p in topology.processes.items() if p.poll() is not None]
            print(f"exited: {dead}; stopping", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":  # python -m ops.topology (make prod-local)
    sys.exit(main())
