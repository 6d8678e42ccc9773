"""The process's Prometheus metrics (prometheus-client), served by `ops.views.metrics`.

Label values are fixed vocabularies (route names, error codes, channels, outcomes), never an
organization, tenant or dashboard id: a label per tenant would grow without bound and tell
anyone who reads /metrics who the customers are.

Several processes (web processes, Celery workers, beat) share one `PROMETHEUS_MULTIPROC_DIR`
(prometheus-client's multiprocess mode, chosen by that environment variable when the library is
first imported): each process writes its values to files named by its identity there, and
/metrics sums them. The identity is host and pid, so containers sharing a volume never write
the same file. The backlog and drain lag are read from Redis at scrape time (ops.metrics).
"""

import os
import socket

from prometheus_client import Counter, Histogram, values

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

if MULTIPROCESS:
    _host = socket.gethostname().replace("_", "-")
    # Before any metric exists: every value of this process is written under host-pid.
    values.ValueClass = values.MultiProcessValue(
        process_identifier=lambda: f"{_host}-{os.getpid()}"
    )

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

INGEST_EVENTS_ACCEPTED = Counter(
    "sightline_ingest_events_accepted", "Events answered 202 by POST /v1/events."
)
INGEST_REQUESTS_ACCEPTED = Counter(
    "sightline_ingest_requests_accepted", "Batches answered 202 by POST /v1/events."
)
INGEST_REQUESTS_REJECTED = Counter(
    "sightline_ingest_requests_rejected",
    "Batches POST /v1/events refused, by error code (invalid_input, rate_limited, …).",
    ["code"],
)
INGEST_EVENTS_WRITTEN = Counter(
    "sightline_ingest_events_written", "Events the stream writer inserted into the warehouse."
)
INGEST_DEAD_LETTERED = Counter(
    "sightline_ingest_entries_dead_lettered", "Stream entries set aside as not an event batch."
)
REQUEST_SECONDS = Histogram(
    "sightline_request_seconds",
    "Time to answer a request, by route name (never its path) and method.",
    ["endpoint", "method"],
    buckets=LATENCY_BUCKETS,
)
ALERT_TICK_SECONDS = Histogram(
    "sightline_alert_tick_seconds",
    "Duration of one alert evaluation tick.",
    buckets=LATENCY_BUCKETS,
)
ALERT_DELIVERIES = Counter(
    "sightline_alert_delivery_attempts",
    "Alert notification attempts by channel and outcome (sent, retry, failed).",
    ["channel", "outcome"],
)
