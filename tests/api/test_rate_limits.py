"""Every /v1 route is limited per API key (settings.API_RATE_LIMIT, DRF's default throttle);
POST /v1/events has its own rate (INGEST_RATE_LIMIT) and issuing embed sessions is the one
route never throttled (the hot path of every embed)."""

from collections.abc import Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.views import APIView

from accounts.models import KeyScope
from accounts.services import api_key_create
from api.embeds.views import EmbedSessionListCreateView
from api.openapi.views import OpenApiDocumentView
from api.throttles import ApiKeyThrottle, IngestRateThrottle
from dashboards.models import Dashboard
from dashboards.services import dashboard_create, dashboard_publish
from tests.factories import spec

# (view, method) that answer without an API key's limit, and why.
UNTHROTTLED = {
    (EmbedSessionListCreateView, "post"),  # issuing sessions: the embed's hot path
    (OpenApiDocumentView, "get"),  # the public API description, no key
}


def _api_views(patterns=None, prefix: str = "") -> Iterator[tuple[str, type[APIView]]]:
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _api_views(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            view = getattr(pattern.callback, "cls", None)
            if route.startswith("v1/") and view is not None and issubclass(view, APIView):
                yield route, view


def _throttles(view: type[APIView], method: str) -> list[object]:
    instance = view()
    instance.request = type("Request", (), {"method": method.upper()})()
    return instance.get_throttles()


def test_every_v1_route_and_method_has_a_per_key_limit():
    checked = 0
    for route, view in _api_views():
        for method in ("get", "post", "put", "patch", "delete"):
            if not hasattr(view, method) or (view, method) in UNTHROTTLED:
                continue
            throttles = _throttles(view, method)
            assert any(isinstance(t, ApiKeyThrottle | IngestRateThrottle) for t in throttles), (
                f"{method.upper()} /{route} ({view.__name__}) has no per-key rate limit"
            )
            checked += 1
    assert checked > 30  # the walk found the API, not an empty URL configuration


@pytest.mark.parametrize(
    "url",
    [
        "/v1/dashboards",
        "/v1/alerts",
        "/v1/members",
        "/v1/members/invites",
        "/v1/embed-keys",
        "/v1/embed-sessions",
        "/v1/variants",
        "/v1/subscriptions",
        "/v1/organization",
    ],
)
def test_a_route_answers_429_with_retry_after_past_the_keys_limit(api, settings, url):
    settings.API_RATE_LIMIT = "2/m"
    assert [api.get(url).status_code for _ in range(2)] == [200, 200]
    refused = api.get(url)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert int(refused["Retry-After"]) >= 1


def test_the_limit_is_per_key_and_a_refused_write_changes_nothing(api, org, client_for, settings):
    settings.API_RATE_LIMIT = "1/m"
    assert api.get("/v1/dashboards").status_code == 200
    refused = api.post("/v1/dashboards", spec(), format="json")
    assert refused.status_code == 429
    assert not Dashboard.objects.filter(organization=org.organization).exists()
    other_key = api_key_create(organization=org.organization, scope=KeyScope.ADMIN)
    assert (
        client_for(other_key.secret).post("/v1/dashboards", spec(), format="json").status_code
        == 201
    )


def test_issuing_embed_sessions_is_never_throttled(api, org, settings):
    settings.API_RATE_LIMIT = "1/m"
    dashboard = dashboard_create(organization=org.organization, spec=spec())
    dashboard_publish(dashboard=dashboard)
    body = {"dashboard_id": dashboard.pk, "tenant_id": "acme"}
    codes = [api.post("/v1/embed-sessions", body, format="json").status_code for _ in range(5)]
    assert codes == [201] * 5
    assert api.get("/v1/embed-sessions").status_code == 200
    assert api.get("/v1/embed-sessions").status_code == 429
