"""tools/clickhouse_server.py: a real ClickHouse server from the pinned chdb wheel, started,
queried over both protocols, stopped, restarted on its data, and never left running."""

import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tools.clickhouse_server import (
    ClickHouseServer,
    ServerError,
    check_installed_versions,
    pinned_versions,
)
from warehouse.backends import ServerBackend

TOOL = Path(__file__).resolve().parents[2] / "tools" / "clickhouse_server.py"


def _http(server: ClickHouseServer, sql: str) -> str:
    url = f"{server.http_url}/?default_format=TSV&query={urllib.parse.quote(sql)}"
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.read().decode().strip()


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _gone(pid: int, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state == "Z":
            return True
        time.sleep(0.1)
    return False


def test_the_pins_are_exact_and_installed() -> None:
    pins = pinned_versions()
    assert set(pins) == {"chdb", "chdb-core"}
    assert check_installed_versions() == ".".join(pins["chdb-core"].split(".")[:2]) + "."


def test_a_pin_that_is_not_exact_is_refused(tmp_path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\ndependencies = ["chdb>=4.0", "chdb-core==26.9.0"]\n')
    with pytest.raises(ServerError, match="must pin chdb"):
        pinned_versions(pyproject)


def test_a_server_serves_both_protocols_and_keeps_its_data_across_a_restart(tmp_path) -> None:
    data = tmp_path / "data"
    with ClickHouseServer(data_dir=data) as server:
        assert server.version.startswith(check_installed_versions())
        backend = ServerBackend(server.url)
        backend.command("CREATE TABLE kept (x UInt32) ENGINE = MergeTree ORDER BY x")
        backend.insert("kept", ["x"], [(1,), (2,), (3,)])
        assert _http(server, "SELECT sum(x) FROM kept") == "6"
        backend.close()
        process = server.process
    assert process.returncode == 0  # stopped through the FIFO: a normal exit
    assert server.workdir is None

    with ClickHouseServer(data_dir=data) as again:
        backend = ServerBackend(again.url)
        assert backend.query("SELECT count(), sum(x) FROM kept").rows == [[3, 6]]
        backend.close()


def test_extra_config_reaches_the_server(tmp_path) -> None:
    extra = "<max_concurrent_queries>77</max_concurrent_queries>"
    with ClickHouseServer(data_dir=tmp_path, config_extra=extra) as server:
        value = _http(
            server, "SELECT value FROM system.server_settings WHERE name = 'max_concurrent_queries'"
        )
    assert value == "77"


def test_a_taken_port_or_a_data_directory_in_use_is_refused(tmp_path) -> None:
    with ClickHouseServer(data_dir=tmp_path / "a") as first:
        with pytest.raises(ServerError, match=f"port {first.tcp_port} is already in use"):
            ClickHouseServer(data_dir=tmp_path / "b", tcp_port=first.tcp_port).start()
        with pytest.raises(ServerError, match="Another server instance in same directory"):
            ClickHouseServer(data_dir=tmp_path / "a").start()
        assert _http(first, "SELECT 1") == "1"  # the first one is untouched


def test_around_a_command_the_url_is_set_and_its_exit_code_kept(tmp_path) -> None:
    probe = (
        "import os, sys; from clickhouse_driver import Client; "
        "print(Client.from_url(os.environ['CLICKHOUSE_URL']).execute('SELECT 40 + 2')[0][0]); "
        "sys.exit(3)"
    )
    done = subprocess.run(
        [sys.executable, str(TOOL), "--data", str(tmp_path), "--", sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stdout) == (3, "42\n"), done.stderr
    assert "ready: CLICKHOUSE_URL=clickhouse://default@127.0.0.1:" in done.stderr


def test_the_server_stops_when_whoever_started_it_is_killed(tmp_path) -> None:
    tool = subprocess.Popen(
        [sys.executable, str(TOOL), "--data", str(tmp_path)],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert "ready" in tool.stderr.readline()
        (server_pid,) = _children(tool.pid)
        os.kill(tool.pid, signal.SIGKILL)
        tool.wait(10)
        assert _gone(server_pid)
    finally:
        if tool.poll() is None:
            tool.kill()


def test_sigterm_stops_the_tool_and_its_server_cleanly(tmp_path) -> None:
    tool = subprocess.Popen(
        [sys.executable, str(TOOL), "--data", str(tmp_path)], stderr=subprocess.PIPE, text=True
    )
    try:
        assert "ready" in tool.stderr.readline()
        (server_pid,) = _children(tool.pid)
        tool.send_signal(signal.SIGTERM)
        assert tool.wait(20) == 0
        assert _gone(server_pid)
    finally:
        if tool.poll() is None:
            tool.kill()


def test_a_server_that_cannot_start_fails_the_run_and_the_command_never_runs(tmp_path) -> None:
    marker = tmp_path / "ran"
    with ClickHouseServer(data_dir=tmp_path / "a") as taken:
        done = subprocess.run(
            [
                sys.executable,
                str(TOOL),
                "--data",
                str(tmp_path / "b"),
                "--tcp-port",
                str(taken.tcp_port),
                "--",
                "touch",
                str(marker),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1
    assert f"did not start: port {taken.tcp_port} is already in use" in done.stderr
    assert not marker.exists()
