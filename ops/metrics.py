"""GET /metrics (Prometheus text format) and the middleware timing every request.

Who may read it: with settings.METRICS_TOKEN set, only a request carrying
`Authorization: Bearer <METRICS_TOKEN>`; without it, only a client on the loopback interface
(a Prometheus on the same host). Behind a reverse proxy on the same host every request comes
from loopback: set METRICS_TOKEN there. Anyone else gets a 404, as for a route that is not there.
"""

import hmac
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import redis
from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from core.metrics import MULTIPROCESS, REQUEST_SECONDS
from ingest.stream import stream_backlog

logger = logging.getLogger(__name__)

LOOPBACK = {"127.0.0.1", "::1", "::ffff:127.0.0.1"}


class StreamCollector(Collector):
    """The ingest backlog, read from Redis when scraped (one value for every process)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        if settings.INGEST_BUFFER != "redis":
            return
        up = GaugeMetricFamily("sightline_ingest_stream_up", "1 when Redis answered the scrape.")
        try:
            backlog = stream_backlog()
        except redis.RedisError:
            logger.warning("metrics: the ingest stream does not answer", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        for name, doc, value in (
            (
                "sightline_ingest_stream_backlog_entries",
                "Accepted batches not yet written.",
                backlog.entries,
            ),
            (
                "sightline_ingest_stream_bound_entries",
                "The stream's bound (503 at it).",
                backlog.bound,
            ),
            (
                "sightline_ingest_drain_lag_seconds",
                "Age of the oldest batch not yet written.",
                backlog.oldest_age_seconds,
            ),
            (
                "sightline_ingest_dead_letter_entries",
                "Entries set aside in the dead-letter stream.",
                backlog.dead_letters,
            ),
        ):
            yield GaugeMetricFamily(name, doc, value=value)


def _allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        sent = request.headers.get("Authorization", "")
        return hmac.compare_digest(sent.encode(), f"Bearer {token}".encode())
    return request.META.get("REMOTE_ADDR", "") in LOOPBACK


def metrics(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        raise Http404
    stream = CollectorRegistry()
    stream.register(StreamCollector())
    if MULTIPROCESS:
        processes = CollectorRegistry()
        MultiProcessCollector(processes)
        body = generate_latest(processes) + generate_latest(stream)
    else:
        body = generate_latest(REGISTRY) + generate_latest(stream)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)


class RequestMetricsMiddleware:
    """Time every request under its route's name (`events-ingest`, `embed-data`, …): the
    path would carry dashboard ids and tokens."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        endpoint = (match.url_name if match else None) or "unmatched"
        method = request.method if request.method in _METHODS else "other"
        timer = REQUEST_SECONDS.labels(endpoint=endpoint, method=method)
        if response.streaming and not isinstance(response, FileResponse):
            # A page sent in parts (the embed page) is timed to its last part; a file keeps
            # its stream (the server's file wrapper sends it).
            response.streaming_content = _timed(response.streaming_content, timer, started)
        else:
            timer.observe(time.perf_counter() - started)
        return response


def _timed(parts: Iterator[bytes], timer: Any, started: float) -> Iterator[bytes]:
    try:
        yield from parts
    finally:
        timer.observe(time.perf_counter() - started)


_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}
