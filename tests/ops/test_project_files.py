"""The project's entry points stay true to what they promise: README, Makefile, compose, CI."""

import os
import re
import subprocess
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def read(name: str) -> str:
    return (ROOT / name).read_text()


def test_readme_starts_with_the_two_commands() -> None:
    lines = read("README.md").splitlines()
    assert lines[0] == "# Sightline"
    block = lines[lines.index("```sh") + 1 : lines.index("```")]
    assert [line.split()[:2] for line in block] == [["make", "run"], ["make", "test"]]
    assert lines.index("```sh") == 2  # nothing before them but the title


def test_every_environment_variable_of_the_settings_is_documented() -> None:
    settings_source = read("config/settings.py")
    names = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]+)"', settings_source))
    assert {"SECRET_KEY", "DATABASE_URL", "CLICKHOUSE_URL", "REDIS_URL"} <= names
    table = {m for m in re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", read("README.md"), re.MULTILINE)}
    missing = sorted(names - table)
    assert not missing, f"add to the README's configuration table: {missing}"
    stale = sorted(table - names)
    assert not stale, f"documented but not read by config/settings.py: {stale}"


def test_every_management_command_of_ours_is_documented() -> None:
    readme = read("README.md")
    commands = sorted(
        path.stem
        for path in ROOT.glob("*/management/commands/*.py")
        if not path.stem.startswith("_")
    )
    assert {"serve", "seed_demo"} <= set(commands)
    missing = [name for name in commands if f"manage.py {name}" not in readme]
    assert not missing, f"document in the README: {missing}"


def _compose_environment() -> dict[str, str]:
    """The shared `environment:` block of compose.yaml's x-sightline anchor (no YAML parser in
    the project's dependencies: this block is plain `KEY: value` lines)."""
    lines = read("compose.yaml").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("environment: &"))
    indent = len(lines[start + 1]) - len(lines[start + 1].lstrip())
    env = {}
    for line in lines[start + 1 :]:
        if line.strip().startswith("#"):
            continue
        if len(line) - len(line.lstrip()) != indent:
            break
        key, _, value = line.strip().partition(": ")
        env[key] = value
    return env


def test_compose_sets_only_variables_the_settings_read() -> None:
    env = _compose_environment()
    settings_source = read("config/settings.py")
    assert env["SIGHTLINE_ENV"] == "production"
    assert env["INGEST_BUFFER"] == "redis"
    assert env["SECRET_KEY"].startswith("${SECRET_KEY:?")  # compose refuses to start without it
    assert env["CLICKHOUSE_URL"].startswith("clickhouse://")
    unknown = [key for key in env if f'"{key}"' not in settings_source]
    assert not unknown, f"compose.yaml sets variables nothing reads: {unknown}"


def test_compose_worker_consumes_the_queue_tasks_are_sent_to() -> None:
    worker = re.search(r'"worker", "-Q", "([^"]+)"', read("compose.yaml"))
    assert worker, "compose.yaml's worker names its queues with -Q"
    assert settings.CELERY_TASK_DEFAULT_QUEUE in worker.group(1).split(",")


def test_compose_runs_the_documented_services() -> None:
    compose = read("compose.yaml")
    for service in ("migrate", "web", "worker", "beat", "postgres", "clickhouse", "redis"):
        assert re.search(rf"^  {service}:$", compose, re.MULTILINE), service
    assert "image: clickhouse/clickhouse-server:25.8" in compose
    assert '"--appendonly", "yes", "--appendfsync", "always"' in compose
    assert '"serve", "0.0.0.0:8000", "--no-scheduler"' in compose


def make_dry_run(*args: str) -> list[str]:
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "MAKEFLAGS": ""},
    )
    return result.stdout.splitlines()


def test_make_run_checks_the_port_migrates_seeds_and_serves_in_order() -> None:
    commands = make_dry_run("run", "ADDR=127.0.0.1:8150")
    manage = [c.split("manage.py ", 1)[1] for c in commands if "manage.py " in c]
    assert manage == [
        "serve 127.0.0.1:8150 --check",  # fails fast, before chDB, when the port is taken
        "migrate --noinput",
        "warehouse_migrate",
        "collectstatic --noinput --verbosity 0",
        "seed_demo",
        "serve 127.0.0.1:8150",
    ]


def test_make_test_installs_chromium_and_runs_pytest() -> None:
    commands = "\n".join(make_dry_run("test", "PYTEST_ARGS=tests/ops"))
    assert "chromium" in commands
    assert re.search(r"-m pytest tests/ops$", commands, re.MULTILINE)


def test_make_test_runs_the_warehouse_suites_again_on_a_server_and_on_a_cluster() -> None:
    commands = make_dry_run("test")
    pytest_runs = [c for c in commands if "-m pytest" in c]
    assert len(pytest_runs) == 3
    assert pytest_runs[1] == (
        ".venv/bin/python tools/clickhouse_server.py -- .venv/bin/python -m pytest"
        ' -m "not browser and not cluster"'
        " tests/warehouse tests/ingest tests/dashboards tests/embeds tests/alerts"
        " tests/api tests/viewer tests/subscriptions tests/usage"
    )
    assert pytest_runs[2] == (
        ".venv/bin/python tools/clickhouse_cluster.py --shards 2 -- "
        '.venv/bin/python -m pytest -m "not browser and not cluster"'
        " tests/warehouse tests/dashboards"
    )


def test_ci_runs_make_test_with_ci_set() -> None:
    script = ROOT / ".ci" / "run"
    assert os.access(script, os.X_OK)
    text = script.read_text()
    assert "make test" in text and 'CI="${CI:-true}"' in text
