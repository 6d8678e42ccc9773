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
    reader: threading.Thread  # appends the output to `lines` until the process closes it


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

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        url = found.get(timeout=START_LIMIT)
    except queue.Empty:
        process.kill()
        raise AssertionError("serve did not start:\n" + "".join(lines)) from None
    return Served(process, url.rstrip("/"), lines, reader)


def _stop(served: Served, sig: int) -> int:
    if served.process.poll() is None:
        served.process.send_signal(sig)
    try:
        code = served.process.wait(timeout=START_LIMIT)
    except subprocess.TimeoutExpired:
        served.process.kill()
        raise
    served.reader.join(START_LIMIT)  # its last lines may still be in the pipe
    return code


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


def _read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 response with a Content-Length, read off the socket."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"the server closed the connection after {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines)}
    while len(body) < int(headers["content-length"]):
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection mid-body"
        body += chunk
    return int(status_line.split()[1]), headers, body


def test_a_36_mb_batch_gets_the_json_413_on_a_connection_still_open(embedded_server) -> None:
    """The client writes all 36 MB (no reset while sending), then reads the JSON 413; the
    connection then serves the next request (the dropped body was framed exactly)."""
    host, port = parse_addr(embedded_server.url.removeprefix("http://"))
    body = b'{"events": [' + b'{"event": "x"},' * (36 * 1024 * 1024 // 15) + b'{"event": "x"}]}'
    head = (
        "POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer sl_ingest_x\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection((host, port), timeout=60) as sock:
        sock.sendall(head + body)  # before the fix: ConnectionResetError / BrokenPipeError
        status, headers, answer = _read_response(sock)
        assert status == 413
        assert headers["content-type"] == "application/json"
        assert orjson.loads(answer)["error"]["code"] == "payload_too_large"
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        status, _, answer = _read_response(sock)
        assert status == 200 and orjson.loads(answer) == {"status": "ok"}
