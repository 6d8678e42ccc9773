# Sightline's production image (compose.yaml): the same code as `make run`, configured by env.

# --- Browser packages (ECharts, htmx) from the npm lock file into static/vendor --------------
# The build bundles entry modules under static/src and the JS clients' workspace (clients/js,
# whose package.json files npm ci needs), so they are copied in too.
FROM node:22-slim AS static
WORKDIR /build
COPY package.json package-lock.json ./
COPY clients/js clients/js
RUN npm ci --no-audit --no-fund --loglevel=error
COPY scripts/build-static.mjs scripts/chart-worker.mjs scripts/
COPY static/src static/src
# Copies, bundles (esbuild) and pre-compresses into static/vendor; bundles the server's chart
# renderer into build/chart-worker.mjs.
RUN npm run --silent build

# --- The application --------------------------------------------------------------------------
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    PATH=/opt/venv/bin:$PATH
RUN pip install --no-cache-dir --disable-pip-version-check "uv==0.13.9"
# Node runs the chart renderer of the digest e-mails (build/chart-worker.mjs); DejaVu is the
# font it draws chart labels with.
RUN apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends nodejs fonts-dejavu-core >/dev/null \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Dependencies first, from the lock file only: this layer survives code changes.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project --python /usr/local/bin/python3.11
COPY . .
COPY --from=static /build/static/vendor static/vendor
COPY --from=static /build/build/chart-worker.mjs build/chart-worker.mjs
# resvg's native module (the one package the bundled renderer loads from node_modules).
COPY --from=static /build/node_modules/@resvg node_modules/@resvg
# collectstatic needs settings, not secrets: the embedded defaults in a throwaway directory.
RUN SIGHTLINE_VAR_DIR=/tmp/build-var python manage.py collectstatic --noinput --verbosity 0 \
    && rm -rf /tmp/build-var \
    && useradd --system --uid 10001 --home-dir /app sightline \
    && mkdir -p /app/var /run/sightline-metrics && chown sightline /app/var /run/sightline-metrics
USER sightline
EXPOSE 8000
CMD ["python", "manage.py", "serve", "0.0.0.0:8000", "--no-scheduler"]
