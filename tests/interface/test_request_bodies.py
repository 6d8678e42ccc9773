"""Bodies that DRF cannot or must not parse, sent to every /v1 route that takes one: a JSON
error in the project's shape (never a 500, never Django's HTML page), and nothing changes."""

import importlib

import pytest
from django.conf import settings
from django.urls import URLPattern
from rest_framework.test import APIClient

from alerts.models import AlertRule
from dashboards.models import Dashboard

API_URL_MODULES = (
    "api.dashboards.urls",
    "api.embeds.urls",
    "api.alerts.urls",
    "api.accounts.urls",
)
BODY_METHODS = ("post", "put", "patch")
NESTED = b"[" * 3000
BODYLESS = {("/v1/embed-keys/rotate", "post")}  # acts without reading a body


def body_routes() -> list[tuple[str, str]]:
    """(path, method) of every DRF route under /v1 with a handler that reads a body."""
    found = []
    for module_name in API_URL_MODULES:
        for pattern in importlib.import_module(module_name).urlpatterns:
            assert isinstance(pattern, URLPattern)
            view = pattern.callback.view_class
            path = str(pattern.pattern)
            for converter in pattern.pattern.converters:
                path = path.replace(f"<str:{converter}>", "x_missing").replace(
                    f"<int:{converter}>", "999999"
                )
            found += [
                (f"/v1/{path}", m)
                for m in BODY_METHODS
                if hasattr(view, m) and (f"/v1/{path}", m) not in BODYLESS
            ]
    return found


def _client(org) -> APIClient:
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {org.admin_key.secret}")
    return client


def _assert_json_error(response, statuses: tuple[int, ...]) -> dict:
    assert response.status_code in statuses, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"}
    return error


def test_there_are_body_routes_to_check() -> None:
    assert len(body_routes()) >= 10
    assert ("/v1/dashboards", "post") in body_routes()


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "method"), body_routes())
def test_deeply_nested_json_is_a_400(org, path: str, method: str) -> None:
    response = getattr(_client(org), method)(path, data=NESTED, content_type="application/json")
    # Routes naming a missing object may answer 404 before reading the body.
    error = _assert_json_error(response, (400, 404))
    if response.status_code == 400:
        assert error["code"] == "malformed_json"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/v1/dashboards", "/v1/alerts", "/v1/embed-sessions", "/v1/members/invite"]
)
def test_deeply_nested_json_creates_nothing(org, path: str) -> None:
    before = (Dashboard.objects.count(), AlertRule.objects.count())
    response = _client(org).post(path, data=NESTED, content_type="application/json")
    assert _assert_json_error(response, (400,))["code"] == "malformed_json"
    assert (Dashboard.objects.count(), AlertRule.objects.count()) == before


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "method"), body_routes())
def test_a_body_over_the_upload_limit_is_a_json_413(org, path: str, method: str) -> None:
    big = b'{"name": "' + b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1) + b'"}'
    response = getattr(_client(org), method)(path, data=big, content_type="application/json")
    error = _assert_json_error(response, (404, 413))
    if response.status_code == 413:
        assert error["code"] == "payload_too_large"


@pytest.mark.django_db
def test_a_body_over_the_upload_limit_creates_nothing(org) -> None:
    big = b'{"name": "' + b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1) + b'"}'
    response = _client(org).post("/v1/alerts", data=big, content_type="application/json")
    assert _assert_json_error(response, (413,))["code"] == "payload_too_large"
    assert AlertRule.objects.count() == 0
