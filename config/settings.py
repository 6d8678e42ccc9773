"""Sightline settings.

With no environment variables at all Sightline runs on the embedded default: SQLite and chDB
under ``var/``, tasks in-process, cache in memory. Production (``SIGHTLINE_ENV=production``,
see ``compose.yaml``) points the same code at PostgreSQL, a ClickHouse server, Redis and Celery.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
VAR_DIR = Path(env.str("SIGHTLINE_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SIGHTLINE_ENV = env.str("SIGHTLINE_ENV", default="embedded")  # embedded | production
PRODUCTION = SIGHTLINE_ENV == "production"
DEBUG = env.bool("DEBUG", default=False)


def _embedded_secret_key() -> str:
    """A random key kept under var/, so the embedded default never runs on a known key."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="") or ("" if PRODUCTION else _embedded_secret_key())

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
PUBLIC_URL = env.str("PUBLIC_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",  # login throttling (after auth)
    "rest_framework",
    "drf_spectacular",
    "django_htmx",
    "accounts",
    "warehouse",
    "ingest",
    "dashboards",
    "embeds",
    "alerts",
    "usage",
    "subscriptions",
    "console",  # template tags of the console
    "ops",  # serve, seed_demo
]

MIDDLEWARE = [
    "ops.metrics.RequestMetricsMiddleware",  # first: times everything below it
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "console.middleware.CurrentOrganizationMiddleware",
    "console.middleware.TrailingSlashMiddleware",
    "axes.middleware.AxesMiddleware",  # answers a locked-out login with the lockout page
]

# What /v1/ runs instead (config/wsgi.py): API-key auth, no cookies, so no console middleware.
API_MIDDLEWARE = [
    "ops.metrics.RequestMetricsMiddleware",  # sightline_request_seconds for /v1/ routes too
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "console.context_processors.organization",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'sightline.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Many server threads share one file: wait for the write lock instead of failing at once.
    # WAL lets readers run beside the one writer, and synchronous=NORMAL drops the fsync per
    # commit (WAL stays consistent across a crash; the last commits may be lost on power loss).
    # Connections persist (CONN_MAX_AGE above) as on PostgreSQL: opening one costs ~1-2 ms
    # (connect, the two PRAGMAs, Django's SQL functions), more than a whole API call's queries.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Brute force (django-axes): after LOGIN_FAILURE_LIMIT failed logins for one account, or from
# one client address, that account / address is locked out of /app/login and /admin/login/ for
# LOGIN_COOLOFF_MINUTES (429 with the lockout page); a successful login resets its count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own
AXES_USERNAME_FORM_FIELD = "username"  # what both login forms post (the account's e-mail)
AXES_USERNAME_CALLABLE = "console.accounts.passwords.login_username"
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Password-reset e-mails (core.ratelimit): per e-mail address asked for, per client address.
PASSWORD_RESET_EMAIL_RATE_LIMIT = env.str("PASSWORD_RESET_EMAIL_RATE_LIMIT", default="3/h")
PASSWORD_RESET_CLIENT_RATE_LIMIT = env.str("PASSWORD_RESET_CLIENT_RATE_LIMIT", default="20/h")
REGISTER_RATE_LIMIT = env.str("REGISTER_RATE_LIMIT", default="10/h")  # sign-ups per address
LOGIN_URL = "/app/login"
LOGIN_REDIRECT_URL = "/app/"
LOGOUT_REDIRECT_URL = "/app/login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True  # tests and `serve` work before collectstatic has run
# esbuild names the chunks it splits off, and the embed page's module and stylesheet, by their
# content's hash (scripts/build-static.mjs): browsers may keep them for a year.
WHITENOISE_IMMUTABLE_FILE_TEST = r"/vendor/sightline/(chunks/[\w.-]+|embed)-[A-Z0-9]{8}\.(js|css)$"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PUBLIC_URL.startswith("https://")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"  # the embed views opt out and send a frame-ancestors CSP instead
# Content-Security-Policy of every page (django-csp): scripts only from our own files, no
# inline script, handler or eval. Inline styles stay allowed (style attributes, htmx's
# indicator style). The embed page sends its own policy, with the organization's
# frame-ancestors (viewer.views), which the middleware leaves alone.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# --- The warehouse -------------------------------------------------------------------------
# Empty CLICKHOUSE_URL: chDB, the ClickHouse engine in-process, under var/chdb.
CLICKHOUSE_URL = env.str("CLICKHOUSE_URL", default="")
CHDB_PATH = env.str("CHDB_PATH", default=str(VAR_DIR / "chdb"))
WAREHOUSE_RETENTION_DAYS = env.int("WAREHOUSE_RETENTION_DAYS", default=400)
WAREHOUSE_MAX_EXECUTION_TIME = env.int("WAREHOUSE_MAX_EXECUTION_TIME", default=10)
WAREHOUSE_MAX_ROWS_TO_READ = env.int("WAREHOUSE_MAX_ROWS_TO_READ", default=500_000_000)
# A ClickHouse cluster (a name of the servers' <remote_servers>): events live in `events_local`
# on every shard, `events` is a Distributed table over them (warehouse.schema). Needs
# CLICKHOUSE_URL (any server of the cluster). CLICKHOUSE_REPLICATED: the local tables are
# Replicated* (ClickHouse Keeper and <macros> {shard}/{replica} on every server).
CLICKHOUSE_CLUSTER = env.str("CLICKHOUSE_CLUSTER", default="")
CLICKHOUSE_REPLICATED = env.bool("CLICKHOUSE_REPLICATED", default=False)

# --- Redis, cache, Celery ------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# The ingest buffer: "direct" inserts before answering (embedded); "redis" appends to a stream.
INGEST_BUFFER = env.str("INGEST_BUFFER", default="redis" if REDIS_URL and PRODUCTION else "direct")
INGEST_STREAM = env.str("INGEST_STREAM", default="sightline:events")
INGEST_MAX_BODY_BYTES = env.int("INGEST_MAX_BODY_BYTES", default=5 * 1024 * 1024)
# The stream's bound, in entries (one per accepted batch, at most 1,000 events each): when
# the writers stop long enough for it to fill, POST /v1/events answers 503 with Retry-After
# instead of filling Redis's memory. Size it to the memory Redis may use (an entry of 1,000
# events is ~100-300 kB).
INGEST_STREAM_MAX_ENTRIES = env.int("INGEST_STREAM_MAX_ENTRIES", default=20_000)
INGEST_BACKLOG_RETRY_AFTER_SECONDS = env.int("INGEST_BACKLOG_RETRY_AFTER_SECONDS", default=10)
INGEST_RATE_LIMIT = env.str("INGEST_RATE_LIMIT", default="600/m")  # requests per API key
# The stream writer: entries (batches) per warehouse insert, and how long an entry read by a
# worker stays unacknowledged before another worker takes it over (the first one died).
INGEST_DRAIN_MAX_ENTRIES = env.int("INGEST_DRAIN_MAX_ENTRIES", default=50)
INGEST_CLAIM_IDLE_SECONDS = env.float("INGEST_CLAIM_IDLE_SECONDS", default=30.0)
# How long the first stamp of an event sent with an insert_id but no timestamp is remembered
# (ingest.first_stamps): a re-send within it is counted once.
INGEST_DEDUP_WINDOW_SECONDS = env.int("INGEST_DEDUP_WINDOW_SECONDS", default=3600)
# Embed usage analytics (usage.recorder): each embed view, data request, export, error and
# reported load time is buffered in the web process and written every USAGE_FLUSH_SECONDS, off
# the request path, through INGEST_BUFFER (direct insert, or the ingest stream). 0: no
# background flush (tests flush by hand). At most USAGE_BUFFER_MAX_ROWS wait in a process.
USAGE_RECORDING = env.bool("USAGE_RECORDING", default=True)
USAGE_FLUSH_SECONDS = env.float("USAGE_FLUSH_SECONDS", default=1.0)
USAGE_BUFFER_MAX_ROWS = env.int("USAGE_BUFFER_MAX_ROWS", default=50_000)
USAGE_BEACON_RATE_LIMIT = env.str("USAGE_BEACON_RATE_LIMIT", default="30/m")  # per session

if REDIS_URL and PRODUCTION:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "sightline",
        }
    }
WIDGET_CACHE_TTL = env.int("WIDGET_CACHE_TTL", default=60)
# Rate limits and concurrency budgets (core.ratelimit): shared by every web process in Redis,
# in this process's memory in the embedded default.
RATELIMIT_STORAGE_URL = env.str(
    "RATELIMIT_STORAGE_URL", default=REDIS_URL if REDIS_URL and PRODUCTION else "memory://"
)
# Requests per API key on GET/PATCH /v1/organization and listing or deleting embed sessions.
API_RATE_LIMIT = env.str("API_RATE_LIMIT", default="600/m")
# Single-use embed URL exchanges per client address (POST /embed/{id}/session).
EMBED_CODE_RATE_LIMIT = env.str("EMBED_CODE_RATE_LIMIT", default="60/m")
EMBED_SESSION_RATE_LIMIT = env.str("EMBED_SESSION_RATE_LIMIT", default="120/m")
EMBED_TENANT_RATE_LIMIT = env.str("EMBED_TENANT_RATE_LIMIT", default="600/m")
# Calls of a designer's edit mode (GET/PUT/DELETE /embed/{id}/variant) per embed session.
EMBED_VARIANT_RATE_LIMIT = env.str("EMBED_VARIANT_RATE_LIMIT", default="30/m")
# Warehouse reads of the console (builder preview and its pickers, Usage page) per user.
CONSOLE_QUERY_RATE_LIMIT = env.str("CONSOLE_QUERY_RATE_LIMIT", default="300/m")
EMBED_ORG_CONCURRENT_QUERIES = env.int("EMBED_ORG_CONCURRENT_QUERIES", default=8)

CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"  # with a host: kombu warns without
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not (REDIS_URL and PRODUCTION)  # embedded: tasks run in-process
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"  # compose.yaml's worker consumes it by name (-Q default)

# --- E-mail, alerts, embeds ----------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Sightline <sightline@localhost>")
WEBHOOK_ALLOW_PRIVATE = env.bool("WEBHOOK_ALLOW_PRIVATE", default=False)
EMBED_MAX_EXPIRES_IN = env.int("EMBED_MAX_EXPIRES_IN", default=7 * 24 * 3600)
EMBED_TOKEN_ISSUER = env.str("EMBED_TOKEN_ISSUER", default="sightline")
EMBED_TOKEN_AUDIENCE = env.str("EMBED_TOKEN_AUDIENCE", default="sightline-embed")
# Viewer subscriptions (digests and alerts set from an embed): the most a tenant may have
# (pending, active and paused), how long a confirmation link works, new subscriptions per
# embed session, and the local hour (the grant's time zone) at which digests go out.
SUBSCRIPTIONS_MAX_PER_TENANT = env.int("SUBSCRIPTIONS_MAX_PER_TENANT", default=20)
SUBSCRIPTION_CONFIRM_DAYS = env.int("SUBSCRIPTION_CONFIRM_DAYS", default=7)
SUBSCRIPTION_RATE_LIMIT = env.str("SUBSCRIPTION_RATE_LIMIT", default="10/h")
SUBSCRIPTION_LINK_RATE_LIMIT = env.str("SUBSCRIPTION_LINK_RATE_LIMIT", default="60/m")  # per IP
SUBSCRIPTION_DIGEST_HOUR = env.int("SUBSCRIPTION_DIGEST_HOUR", default=8)
# `single_use_url`: how long the code in an embed URL may wait to be exchanged for its token.
EMBED_CODE_TTL_SECONDS = env.int("EMBED_CODE_TTL_SECONDS", default=60)
# Charts drawn on the server (digest e-mails): Node processes of scripts/chart-worker.mjs.
SIGHTLINE_NODE = env.str("SIGHTLINE_NODE", default="node")
CHART_WORKERS = env.int("CHART_WORKERS", default=max(1, min(4, os.cpu_count() or 1)))
CHART_RENDER_TIMEOUT = env.float("CHART_RENDER_TIMEOUT", default=30.0)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.AdminScope"],
    # Every route is limited per API key (API_RATE_LIMIT); POST /v1/events has its own rate
    # and issuing embed sessions is the hot path, never throttled (api.embeds.views).
    "DEFAULT_THROTTLE_CLASSES": ["api.throttles.ApiKeyThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["interface.parsers.JSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "interface.negotiation.ContentNegotiation",
    "DEFAULT_PAGINATION_CLASS": "interface.pagination.Pagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "interface.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_SCHEMA_CLASS": "api.openapi.schema.SightlineAutoSchema",
}

# GET /v1/openapi.json, generated from the views and serializers (api/openapi).
SPECTACULAR_SETTINGS = {
    "TITLE": "Sightline API",
    "DESCRIPTION": (
        "The /v1 JSON API of a Sightline server. Authenticate with an API key: "
        '`Authorization: Bearer sl_…`. Every error is `{"error": {"code", "message", '
        '"details"}}`; see docs/api.md in the repository.'
    ),
    "VERSION": "1",
    "OAS_VERSION": "3.1.0",
    "SCHEMA_PATH_PREFIX": r"/v1/",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"RoleEnum": "accounts.models.Role"},
    "PREPROCESSING_HOOKS": ["api.openapi.schema.only_v1"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.openapi.schema.add_error_component",
    ],
}

# /metrics (ops.metrics): only from loopback, or, with METRICS_TOKEN set, only with
# `Authorization: Bearer <METRICS_TOKEN>` (set it behind a reverse proxy on the same host).
# Several processes share their metrics through PROMETHEUS_MULTIPROC_DIR (core.metrics).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# prometheus-client reads this variable itself, when first imported (core.metrics).
PROMETHEUS_MULTIPROC_DIR = env.str("PROMETHEUS_MULTIPROC_DIR", default="")

# Logs: one JSON object a line in production (python-json-logger), plain text elsewhere.
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if PRODUCTION else "plain")  # json | plain
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.server": {"level": "WARNING"}},
}
# Celery workers and beat log through the LOGGING above (JSON in production), not their own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

from config.checks import refuse_unsafe_production  # noqa: E402

refuse_unsafe_production(PRODUCTION, DEBUG, SECRET_KEY)
