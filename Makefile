# Two commands matter: `make run` (demo on the embedded default) and `make test`.
# Everything else is a building block they call. `make install` is idempotent:
# it only does work when the lock files changed.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
STAMP := $(VENV)/.installed
STATIC_STAMP := static/vendor/.built
ADDR ?= 127.0.0.1:8000

.PHONY: install run test test-server test-cluster test-fast browser lint bench clean-var prod-local

install: $(STAMP) $(STATIC_STAMP)

$(STAMP): pyproject.toml uv.lock clients/python/pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@test -x $(UV) || $(PY) -m pip install --quiet --disable-pip-version-check "uv==0.13.9"
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --inexact --all-groups --python $(PY) --quiet
	@touch $@

# The browser bundles come from static/src and the JS clients' workspace (clients/js); so does
# the server's chart renderer (build/chart-worker.mjs, run with Node by the digest e-mails).
$(STATIC_STAMP): package.json package-lock.json scripts/build-static.mjs scripts/chart-worker.mjs \
		$(shell find static/src clients/js -type f -not -path '*/node_modules/*' 2>/dev/null)
	npm ci --no-audit --no-fund --loglevel=error
	npm run --silent build
	@touch $@

# Debian's Chromium drives the browser tests (Playwright's own download cannot work here).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

# The printed URLs and embed links follow ADDR unless PUBLIC_URL is set.
run: export PUBLIC_URL ?= http://$(ADDR)
run: install
	@$(PY) manage.py serve $(ADDR) --check
	$(PY) manage.py migrate --noinput
	$(PY) manage.py warehouse_migrate
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py seed_demo
	$(PY) manage.py serve $(ADDR)

# `make test` runs the whole suite on the embedded default (chDB), then the suites that touch the
# warehouse again on a real ClickHouse server started from the pinned chdb wheel
# (tools/clickhouse_server.py: free ports, a throwaway data directory, stopped when the run ends).
# A server that cannot start fails the target: the second pass is never skipped.
SERVER_SUITES := tests/warehouse tests/ingest tests/dashboards tests/embeds tests/alerts \
	tests/api tests/viewer tests/subscriptions tests/usage
SERVER_PYTEST_ARGS ?= $(SERVER_SUITES)

test: install browser
	$(PY) -m pytest $(PYTEST_ARGS)
	$(MAKE) --no-print-directory test-server
	$(MAKE) --no-print-directory test-cluster

# (tests marked `cluster` start their own servers: they run in the first pass only.)
test-server: install
	$(PY) tools/clickhouse_server.py -- $(PY) -m pytest -m "not browser and not cluster" $(SERVER_PYTEST_ARGS)

# The warehouse and dashboards suites again on a two-shard cluster (tools/clickhouse_cluster.py:
# CLICKHOUSE_CLUSTER set, `events` Distributed over each shard's `events_local`).
CLUSTER_PYTEST_ARGS ?= tests/warehouse tests/dashboards

test-cluster: install
	$(PY) tools/clickhouse_cluster.py --shards 2 -- $(PY) -m pytest -m "not browser and not cluster" $(CLUSTER_PYTEST_ARGS)

# compose.yaml's topology as local processes (ops/topology.py): the ClickHouse server of
# tools/clickhouse_server.py, PostgreSQL and Redis of its own (or DATABASE_URL / REDIS_URL),
# two web processes, a Celery worker and beat. Data stays in var/prod-local; Ctrl-C stops it.
PROD_LOCAL_ARGS ?=
prod-local: install
	$(PY) -m ops.topology $(PROD_LOCAL_ARGS)

test-fast: install
	$(PY) -m pytest -m "not browser" $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

bench: install
	@echo "see bench/README.md: $(PY) bench/ingest.py | bench/query.py | bench/embed.py | bench/alerts.py"

clean-var:
	rm -rf var/chdb var/*.sqlite3
