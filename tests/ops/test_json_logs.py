"""Production logs are one JSON object a line (python-json-logger through settings.LOGGING),
in a real process started with the production settings; elsewhere they stay plain text."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import orjson

REPO = Path(__file__).resolve().parents[2]

LOG_SOMETHING = """
import django, logging
django.setup()
logging.getLogger("sightline.probe").warning("batch of %d refused", 3, extra={"code": "x"})
try:
    1 / 0
except ZeroDivisionError:
    logging.getLogger("sightline.probe").exception("it broke")
"""


def _run(tmp_path: Path, **env: str) -> str:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SIGHTLINE_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **env,
    }
    if "LOG_FORMAT" not in env:
        environment.pop("LOG_FORMAT", None)
    done = subprocess.run(
        [sys.executable, "-c", LOG_SOMETHING],
        env=environment, cwd=REPO, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stderr


def test_production_logs_are_json_lines(tmp_path) -> None:
    stderr = _run(tmp_path, SIGHTLINE_ENV="production", SECRET_KEY=secrets.token_urlsafe(64))
    lines = [orjson.loads(line) for line in stderr.splitlines() if line.strip()]
    first, second = lines[-2:]
    assert first["level"] == "WARNING" and first["logger"] == "sightline.probe"
    assert first["message"] == "batch of 3 refused" and first["code"] == "x"
    assert {"time", "process"} <= set(first)
    assert second["message"] == "it broke" and "ZeroDivisionError" in second["exc_info"]


def test_the_embedded_default_logs_plain_text(tmp_path) -> None:
    stderr = _run(tmp_path, SIGHTLINE_ENV="embedded")
    assert "WARNING sightline.probe batch of 3 refused" in stderr
    assert not stderr.lstrip().startswith("{")
