"""The WSGI application sends /v1/ through the API handler (settings.API_MIDDLEWARE: no
sessions, CSRF, user auth, messages or console middleware) and everything else through the
site's full chain; both serve the same URLs with the same security headers."""

import io
import json
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

pytestmark = pytest.mark.django_db


def call(path: str, *, method: str = "GET", body: bytes = b"", headers: dict | None = None):
    from config.wsgi import application

    environ: dict = {}
    setup_testing_defaults(environ)
    environ.update(
        {
            "PATH_INFO": path,
            "REQUEST_METHOD": method,
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "SERVER_NAME": "testserver",
            "HTTP_HOST": "testserver",
        }
    )
    environ.update({f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()})
    answer: dict = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"] = int(status.split()[0])
        answer["headers"] = response_headers

    # As django.test.Client does: the handlers' signals would close the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        content = b"".join(application(environ, start_response))
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return answer["status"], answer["headers"], content


def test_the_api_skips_the_console_chain_and_keeps_its_headers(org):
    from config.wsgi import api, site
    from tests.embeds.conftest import publish

    dashboard = publish(org.organization)
    assert api._middleware_chain is not site._middleware_chain
    body = json.dumps({"tenant_id": "t1", "dashboard_id": dashboard.pk}).encode()
    status, headers, content = call(
        "/v1/embed-sessions",
        method="POST",
        body=body,
        headers={"Authorization": f"Bearer {org.admin_key.secret}", "Cookie": "sessionid=x"},
    )
    assert status == 201, content
    names = {name.lower(): value for name, value in headers}
    assert "token" in json.loads(content)
    assert names["x-content-type-options"] == "nosniff" and names["x-frame-options"] == "DENY"
    assert "set-cookie" not in names and "Cookie" not in names.get("vary", "")
    status, _, content = call("/v1/embed-sessions", method="POST", body=body)
    assert status == 401 and json.loads(content)["error"]["code"]


def test_the_console_still_gets_sessions_and_csrf():
    status, headers, content = call("/app/login")
    assert status == 200
    cookies = [value for name, value in headers if name.lower() == "set-cookie"]
    assert any(cookie.strip().startswith("csrftoken=") for cookie in cookies)
    assert b"csrfmiddlewaretoken" in content


def test_the_api_chain_times_its_requests_by_route_name(org):
    from prometheus_client import REGISTRY

    def count() -> float:
        labels = {"endpoint": "events-ingest", "method": "POST"}
        return REGISTRY.get_sample_value("sightline_request_seconds_count", labels) or 0.0

    before = count()
    status, _, _ = call("/v1/events", method="POST", body=b"{}")
    assert status == 401
    assert count() == before + 1
