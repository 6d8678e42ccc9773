"""ops.topology runs compose.yaml's services as local processes: the commands and settings it
uses are compose.yaml's own, with only the documented local changes. Built from the file, so
a change to compose.yaml changes `make prod-local` too; this test pins the changes allowed."""

from pathlib import Path

import pytest
import yaml

from ops.topology import (
    APP_SERVICES,
    COMPOSE,
    compose_environment,
    compose_file,
    interpolate,
    local_command,
)

RUN = Path("/tmp/run")


def compose_command(service: str) -> list[str]:
    return [part.replace("$$", "$") for part in yaml.safe_load(COMPOSE.read_text())["services"][
        service]["command"]]  # fmt: skip


def test_every_app_service_of_compose_is_run_with_its_own_command() -> None:
    services = compose_file()["services"]
    started = {name for name, service in services.items() if not service.get("profiles")}
    assert set(APP_SERVICES) | {"postgres", "clickhouse", "redis"} == started  # `compose up`
    assert local_command("migrate", run_dir=RUN) == compose_command("migrate")
    assert local_command("worker", name="worker1", run_dir=RUN) == [
        *compose_command("worker"), "-n", "worker1@%h"
    ]  # fmt: skip


def test_web_differs_only_by_its_loopback_address() -> None:
    expected = compose_command("web")
    local = local_command("web", port=8810, run_dir=RUN)
    assert len(local) == len(expected)
    changed = [(a, b) for a, b in zip(expected, local, strict=True) if a != b]
    assert changed == [("0.0.0.0:8000", "127.0.0.1:8810")]


def test_beat_differs_only_by_its_schedule_file() -> None:
    expected = compose_command("beat")
    local = local_command("beat", run_dir=RUN)
    changed = [(a, b) for a, b in zip(expected, local, strict=True) if a != b]
    assert changed == [("/tmp/celerybeat-schedule", "/tmp/run/celerybeat-schedule")]


def test_redis_keeps_composes_persistence_flags() -> None:
    local = local_command("redis", port=6410, run_dir=RUN)
    assert local[: len(compose_command("redis"))] == compose_command("redis")
    assert ["--appendonly", "yes", "--appendfsync", "always"] == local[1:5]
    assert local[-6:] == ["--port", "6410", "--bind", "127.0.0.1", "--dir", "/tmp/run"]


def test_the_environment_is_composes_with_the_stores_addresses_given() -> None:
    given = {"SECRET_KEY": "k" * 60, "POSTGRES_PASSWORD": "p", "CLICKHOUSE_PASSWORD": "c"}
    env = compose_environment(given)
    raw = compose_file()["x-sightline"]["environment"]
    assert set(env) == set(raw)
    assert env["SIGHTLINE_ENV"] == "production" and env["INGEST_BUFFER"] == "redis"
    assert env["SECRET_KEY"] == "k" * 60
    assert env["PUBLIC_URL"] == "http://localhost:8000"  # compose's default
    assert env["DATABASE_URL"] == "postgres://sightline:p@postgres:5432/sightline"


def test_a_required_variable_missing_is_refused() -> None:
    with pytest.raises(ValueError, match="SECRET_KEY must be set"):
        interpolate("${SECRET_KEY:?set SECRET_KEY in .env}", {})
    assert interpolate("a$$b ${X:-d}", {}) == "a$b d"


def test_make_prod_local_runs_the_launcher() -> None:
    makefile = (COMPOSE.parent / "Makefile").read_text()
    assert "prod-local: install\n\t$(PY) -m ops.topology $(PROD_LOCAL_ARGS)" in makefile
