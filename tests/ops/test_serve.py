"""`manage.py serve` as a user runs it: a real process on a free port, real HTTP, real signals."""

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest
from django.core.management.base import CommandError

from ops.management.commands.serve import parse_addr

ROOT = Path(__file__).resolve().parents[2]
START_LIMIT = 60.0  # seconds; bounds a hung start on a busy machine, not a speed assertion
GOOD_KEY = "k3J9x-2mQp8Zr7Lw4Ty6Nb1Vc5Hd0Fs3Ga9Ue2Ko7Pi4Yj6Rt8Ew1Qx5Mz0Lc"


@pytest.mark.parametrize(
    ("addr", "expected"),
    [
        ("127.0.0.1:8000", ("127.0.0.1", 8000)),
        ("0.0.0.0:80", ("0.0.0.0", 80)),
        ("8150", ("127.0.0.1", 8150)),
        ("[::1]:9000", ("::1", 9000)),
        ("localhost:0", ("localhost", 0)),
    ],
)
def test_parse_addr(addr: str, expected: tuple[str, int]) -> None:
    assert parse_addr(addr) == expected


@pytest.mark.parametrize("addr", ["127.0.0.1:http", "127.0.0.1:70000", "host:", ""])
def test_parse_addr_refuses_nonsense(addr: str) -> None:
    with pytest.raises(CommandError):
        parse_addr(addr)


@dataclass
class Served:
    process: subprocess.Popen
    url: str
    lines: list[str]


def _embedded_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """The embedded default in a private var/ (its own chDB and SQLite), whatever the test env."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "CLICKHOUSE_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        SIGHTLINE_VAR_DIR=str(var_dir),
        SIGHTLINE_ENV="embedded",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def _start(env: dict[str, str], *args: str, ignore_sigint: bool = False) -> Served:
    def inherit_ignored_sigint() -> None:  # what `make run &` in a script hands the server
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    process = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "127.0.0.1:0", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=inherit_ignored_sigint if ignore_sigint else None,
    )
    lines: list[str] = []
    found: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if "Sightline is serving " in line:
                found.put(line.split("Sightline is serving ", 1)[1].split()[0])

    threading.Thread(target=read, daemon=True).start()
    try:
        url = found.get(timeout=START_LIMIT)
    except queue.Empty:
        process.kill()
        raise AssertionError("serve did not start:\n" + "".join(lines)) from None
    return Served(process, url.rstrip("/"), lines)


def _stop(served: Served, sig: int) -> int:
    if served.process.poll() is None:
        served.process.send_signal(sig)
    try:
        return served.process.wait(timeout=START_LIMIT)
    except subprocess.TimeoutExpired:
        served.process.kill()
        raise


@pytest.fixture
def embedded_server(tmp_path) -> Iterator[Served]:
    served = _start(_embedded_env(tmp_path))
    yield served
    if served.process.poll() is None:
        served.process.kill()
        served.process.wait(timeout=10)


def _get(url: str) -> tuple[int, bytes, dict[str, str]]:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - our own test server
        return response.status, response.read(), dict(response.headers)


def test_serve_answers_http_serves_static_files_and_stops_on_sigterm(
    embedded_server: Served,
) -> None:
    status, body, _ = _get(embedded_server.url + "/healthz")
    assert status == 200
    assert orjson.loads(body) == {"status": "ok"}  # the chDB warehouse answered inside the server

    status, body, headers = _get(embedded_server.url + "/static/vendor/htmx.min.js")
    assert status == 200 and b"htmx" in body[:5000]
    assert "javascript" in headers["Content-Type"]
    status, _, _ = _get(embedded_server.url + "/static/admin/css/base.css")
    assert status == 200

    assert _stop(embedded_server, signal.SIGTERM) == 0
    output = "".join(embedded_server.lines)
    assert "Periodic jobs in this process" in output  # the embedded default runs the scheduler
    assert "Sightline stopped." in output


def test_serve_answers_concurrent_requests(embedded_server: Served) -> None:
    statuses: list[int] = []

    def fetch() -> None:
        statuses.append(_get(embedded_server.url + "/healthz")[0])

    threads = [threading.Thread(target=fetch) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(START_LIMIT)
    assert statuses == [200] * 12
    assert _stop(embedded_server, signal.SIGINT) == 0
    assert "Sightline stopped." in "".join(embedded_server.lines)


def test_sigint_stops_serve_even_when_started_with_sigint_ignored(tmp_path) -> None:
    served = _start(_embedded_env(tmp_path), ignore_sigint=True)
    assert _stop(served, signal.SIGINT) == 0
    assert "Sightline stopped." in "".join(served.lines)


@pytest.mark.parametrize("check_only", [False, True], ids=["serve", "serve --check"])
def test_a_taken_port_is_a_clear_error(tmp_path, check_only: bool) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "manage.py", "serve", f"127.0.0.1:{port}"]
            + (["--check"] if check_only else []),
            cwd=ROOT,
            env=_embedded_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=START_LIMIT,
        )
    assert result.returncode == 1
    assert f"Cannot listen on 127.0.0.1:{port}: Address already in use" in result.stderr
    assert "Traceback" not in result.stderr
    assert "Is Sightline already running?" in result.stderr


def test_check_passes_on_a_free_port_and_serves_nothing(tmp_path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free again once closed
    result = subprocess.run(
        [sys.executable, "manage.py", "serve", f"127.0.0.1:{port}", "--check"],
        cwd=ROOT,
        env=_embedded_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=START_LIMIT,
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"127.0.0.1:{port} is free."
    assert not (tmp_path / "chdb").exists()  # the warehouse was not opened


def test_production_serve_leaves_periodic_jobs_to_celery_beat(tmp_path) -> None:
    env = _embedded_env(tmp_path, SIGHTLINE_ENV="production", SECRET_KEY=GOOD_KEY)
    served = _start(env)
    try:
        assert _get(served.url + "/healthz")[0] == 200
    finally:
        assert _stop(served, signal.SIGTERM) == 0
    output = "".join(served.lines)
    assert "Periodic jobs: not run here (production" in output
    assert "Scheduler started" not in output


def test_serve_refuses_a_huge_body_before_buffering_it(tmp_path) -> None:
    served = _start(_embedded_env(tmp_path, INGEST_MAX_BODY_BYTES="1000"))
    try:
        request = urllib.request.Request(
            served.url + "/v1/events",
            data=b"x" * 5000,  # over twice the limit: waitress answers before Django reads it
            headers={"Content-Type": "application/json", "Authorization": "Bearer sl_ingest_x"},
            method="POST",
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)  # noqa: S310 - our own test server
        assert refused.value.code == 413
    finally:
        _stop(served, signal.SIGTERM)
