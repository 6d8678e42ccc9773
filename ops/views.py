import logging

import redis
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.defaults import page_not_found
from django.views.defaults import server_error as html_server_error

from core.errors import ApiError, NotFound
from ingest.stream import stream_backlog
from interface.errors import error_response
from warehouse.backends import get_backend
from warehouse.schema import cluster_name, cluster_shards_answering

logger = logging.getLogger(__name__)


def home(request: HttpRequest) -> HttpResponse:
    return redirect("/app/")


FAVICON = (
    b"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'><rect width='16' height='16'"
    b" rx='4' fill='#4f46e5'/><path d='M3 11l3-4 3 2 4-5' stroke='white' stroke-width='1.8'"
    b" fill='none'/></svg>"
)


def favicon(request: HttpRequest) -> HttpResponse:
    """What browsers ask for on pages without an icon link (partials, the admin)."""
    response = HttpResponse(FAVICON, content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness plus a one-row warehouse probe; 503 when the warehouse (or, in production, the
    ingest buffer) cannot answer. Anyone may ask, so the answer is up/down and numbers only:
    the reason (which can name hosts, users and databases) goes to the log. With the Redis
    buffer it reports the ingest backlog; a backlog at its bound is reported, not a 503 (the
    web process itself is fine, and a load balancer must not take every one out)."""
    body: dict = {"status": "ok"}
    status = 200
    try:
        get_backend().query("SELECT 1")
        if cluster_name():
            answering, shards = cluster_shards_answering(get_backend())
            body["warehouse_shards"] = {"total": shards, "answering": answering}
            if answering < shards:  # their tenants get 503s; the others are served: not a 503
                logger.warning("healthz: %d of %d warehouse shards answer", answering, shards)
                body["status"] = "shards_down"
    except Exception:  # report, never raise, from a health check
        logger.warning("healthz: the warehouse does not answer", exc_info=True)
        body.update(status="degraded", warehouse="down")
        status = 503
    if settings.INGEST_BUFFER == "redis":
        try:
            backlog = stream_backlog()
        except redis.RedisError:
            logger.warning("healthz: the ingest stream does not answer", exc_info=True)
            body.update(status="degraded", ingest_buffer="down")
            status = 503
        else:
            body["ingest_backlog"] = {
                "entries": backlog.entries,
                "bound": backlog.bound,
                "oldest_age_seconds": backlog.oldest_age_seconds,
                "dead_letters": backlog.dead_letters,
                "full": backlog.full,
            }
            if backlog.full and status == 200:
                body["status"] = "backlogged"
    return JsonResponse(body, status=status)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/v1/"):
        return error_response(NotFound("Not found."))
    return page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/v1/"):
        return error_response(
            ApiError("Something went wrong on our side.", code="server_error", status=500)
        )
    return html_server_error(request)
