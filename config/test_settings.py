"""Settings for the test suite: real PostgreSQL, real Redis, chDB in a private directory.

CI (CI=true) fails when PostgreSQL or Redis is missing; a developer without them gets SQLite
and the Redis tests are skipped with a loud reason.
"""

import os
import socket
import tempfile
from urllib.parse import urlparse

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sightline")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
# A private var/ (chDB data, SQLite) per test process: several test runs can share a machine.
os.environ["SIGHTLINE_VAR_DIR"] = tempfile.mkdtemp(prefix="sightline-test-")
os.environ.setdefault("PUBLIC_URL", "http://testserver")

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1
        ):
            return True
    except OSError:
        return False


POSTGRES_AVAILABLE = reachable(os.environ["DATABASE_URL"], 5432)
REDIS_AVAILABLE = reachable(os.environ["REDIS_URL"], 6379)
if IN_CI and not (POSTGRES_AVAILABLE and REDIS_AVAILABLE):
    raise RuntimeError(
        "CI=true needs PostgreSQL and Redis: "
        f"postgres reachable={POSTGRES_AVAILABLE}, redis reachable={REDIS_AVAILABLE}"
    )
if not POSTGRES_AVAILABLE:
    os.environ["DATABASE_URL"] = "sqlite:///" + os.path.join(
        os.environ["SIGHTLINE_VAR_DIR"], "test.sqlite3"
    )

from config.settings import *  # noqa: E402,F403
from config.settings import DATABASES  # noqa: E402

DATABASES["default"]["TEST"] = {"NAME": f"test_sightline_{os.getpid()}"}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}
}
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
INGEST_BUFFER = "direct"
USAGE_FLUSH_SECONDS = 0  # tests flush the usage buffer themselves (usage.recorder.usage_flush)
WHITENOISE_AUTOREFRESH = True
