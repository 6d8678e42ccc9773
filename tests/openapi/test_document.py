"""The OpenAPI document: generated from the code, valid OpenAPI 3.1, complete (every /v1 route
and method is in it), and every operation documents the one error shape."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")


def v1_routes() -> dict[str, set[str]]:
    """'/v1/…{param}' -> the HTTP methods its view implements, from the URL configuration."""
    routes: dict[str, set[str]] = {}

    def walk(patterns: list, prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith("v1/"):
                view = getattr(pattern.callback, "view_class", None)
                assert view is not None, f"/{route} is not a DRF view"
                path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route).replace("{pk}", "{id}")
                routes[path] = {m for m in METHODS if hasattr(view, m)}

    walk(get_resolver().url_patterns, "")
    return routes


@pytest.fixture
def document(client) -> dict:
    response = client.get("/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/")
    return response.json()


def test_the_document_is_valid_openapi_3_1_and_served_without_a_key(document):
    assert document["openapi"].startswith("3.1")
    validate(document)
    assert document["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"


def test_every_v1_route_and_method_is_in_the_document(document):
    routes = v1_routes()
    routes.pop("/v1/openapi.json")  # the document itself
    assert "/v1/organization" in routes and "/v1/embed-sessions/{id}" in routes  # the walk works
    documented = {path: set(ops) & set(METHODS) for path, ops in document["paths"].items()}
    missing = {
        path: sorted(methods - documented.get(path, set()))
        for path, methods in routes.items()
        if methods - documented.get(path, set())
    }
    assert not missing, f"routes missing from the OpenAPI document: {missing}"
    assert set(documented) <= set(routes)


def test_every_operation_documents_the_error_shape(document):
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    assert error["properties"]["error"]["required"] == ["code", "message", "details"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            for status in ("400", "401", "403"):
                schema = responses[status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, (method, path, status)
            if "{" in path:
                assert "404" in responses, (method, path)
            assert operation["operationId"] and operation["tags"], (method, path)


def test_operation_ids_are_unique_and_named(document):
    ids = [op["operationId"] for ops in document["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
    assert {"embed_sessions_create", "embed_sessions_list", "embed_sessions_delete"} <= set(ids)
    assert {"events_send", "organization_get", "organization_update"} <= set(ids)


def test_documented_error_matches_what_the_api_answers(client, document):
    """A real 401 has exactly the documented shape (no stray keys)."""
    body = client.get("/v1/dashboards").json()
    error = document["components"]["schemas"]["Error"]["properties"]["error"]
    assert set(body) == {"error"}
    assert set(body["error"]) == set(error["properties"])
    assert body["error"]["code"] == "unauthenticated"


def test_the_reference_page_uses_our_static_viewer_under_a_strict_csp(client):
    response = client.get("/docs/api")
    assert response.status_code == 200
    html = response.content.decode()
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-eval" not in csp
    assert "/static/vendor/swagger-ui-bundle.js" in html
    assert 'data-spec="/v1/openapi.json"' in html
    assert "<script>" not in html  # no inline script: the CSP would refuse it
    assert "http" not in re.sub(r'href="[^"]*"|src="[^"]*"', "", html).replace("https", "")
    for asset in ("/static/vendor/swagger-ui-bundle.js", "/static/src/apidocs/reference.js"):
        assert client.get(asset).status_code == 200, asset
