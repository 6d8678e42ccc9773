"""Backup and restore of both stores into one directory (`manage.py backup DIR`,
`manage.py restore DIR`):

  postgres.dump   pg_dump's custom format of the configuration database (organizations, keys,
                  dashboards and their published versions, embed keys, alerts, …)
  events.jsonl.gz every event as every read sees it (warehouse.backup)
  manifest.json   when, which Sightline schema, how many events

PostgreSQL's own tools do the first (`pg_dump`/`pg_restore` on PATH, or in PG_BIN, at least the
server's major version). Restore into a freshly migrated installation: `pg_restore --clean`
replaces the configuration tables, then the events are inserted (importing twice is harmless).
"""

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connections

from warehouse.backup import events_export, events_import

PG_DUMP_FILE = "postgres.dump"
EVENTS_FILE = "events.jsonl.gz"
MANIFEST_FILE = "manifest.json"


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class BackupSummary:
    directory: Path
    events: int


def _pg_tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(
        name, path=os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin")
    )
    if not found:
        raise BackupError(f"{name} is needed (PostgreSQL's client tools); none on PATH or PG_BIN")
    return found


def _pg_connection() -> tuple[list[str], dict[str, str]]:
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise BackupError("backup needs PostgreSQL (DATABASE_URL); the embedded default's data is"
                          " var/: copy it while `serve` is stopped")  # fmt: skip
    args = ["-h", str(db["HOST"] or "127.0.0.1"), "-p", str(db["PORT"] or 5432),
            "-U", str(db["USER"]), "-d", str(db["NAME"])]  # fmt: skip
    return args, {**os.environ, "PGPASSWORD": str(db["PASSWORD"] or "")}


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-2000:]}")


def backup_create(*, directory: Path) -> BackupSummary:
    directory.mkdir(parents=True, exist_ok=True)
    args, env = _pg_connection()
    _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
          "--file", str(directory / PG_DUMP_FILE), *args], env)  # fmt: skip
    events = events_export(path=directory / EVENTS_FILE)
    manifest = {
        "created_at": datetime.now(UTC).isoformat(),
        "events": events,
        "files": [PG_DUMP_FILE, EVENTS_FILE],
    }
    (directory / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n")
    return BackupSummary(directory=directory, events=events)


def backup_restore(*, directory: Path) -> BackupSummary:
    manifest_path = directory / MANIFEST_FILE
    if not manifest_path.exists():
        raise BackupError(f"{manifest_path} is missing: not a Sightline backup directory")
    manifest = json.loads(manifest_path.read_text())
    args, env = _pg_connection()
    connections.close_all()  # pg_restore --clean drops tables this process may hold open
    _run([_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
          "--single-transaction", *args, str(directory / PG_DUMP_FILE)], env)  # fmt: skip
    events = events_import(path=directory / EVENTS_FILE)
    if events != manifest["events"]:
        raise BackupError(f"imported {events} events, the manifest says {manifest['events']}")
    return BackupSummary(directory=directory, events=events)
