"""The dashboards REST API: list, create, read, update, delete; auth, scope, organization."""

import pytest

from accounts.models import KeyScope
from accounts.services import api_key_create
from dashboards.models import Dashboard
from dashboards.spec import SPEC_MAX_BYTES
from tests.factories import spec, widget

pytestmark = pytest.mark.django_db


def create(api, body=None) -> dict:
    response = api.post("/v1/dashboards", body or spec(), format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    return error


def fields_of(error: dict) -> set[str]:
    return {detail["field"] for detail in error["details"]}


# --- happy paths -------------------------------------------------------------------------------


def test_create_returns_the_canonical_draft(api, org) -> None:
    body = create(
        api, spec("Usage", widgets=[widget("w_calls"), widget("w_users", metric="count_unique")])
    )

    assert body["id"].startswith("dash_")
    assert body["name"] == "Usage"
    assert body["published_version"] is None
    assert body["has_unpublished_changes"] is True
    assert body["spec"]["default_period"] == "7d"  # defaults resolved in the stored form
    assert body["spec"]["theme"]["mode"] == "light"
    assert [w["id"] for w in body["spec"]["widgets"]] == ["w_calls", "w_users"]
    stored = Dashboard.objects.get(pk=body["id"])
    assert stored.organization == org.organization
    assert stored.draft_spec == body["spec"]


def test_read_returns_the_representation(api) -> None:
    created = create(api)

    body = api.get(f"/v1/dashboards/{created['id']}").json()

    assert body == created
    assert set(body) == {
        "id",
        "name",
        "spec",
        "published_version",
        "has_unpublished_changes",
        "created_at",
        "updated_at",
    }


def test_list_is_paginated_newest_first_and_only_this_organization(
    api, other_org, client_for
) -> None:
    ids = [create(api, spec(f"Board {n}"))["id"] for n in range(3)]
    create(client_for(other_org.admin_key.secret), spec("Not mine"))

    first = api.get("/v1/dashboards?limit=2").json()
    second = api.get("/v1/dashboards?limit=2&offset=2").json()

    assert first["count"] == 3
    assert [d["id"] for d in first["results"]] == ids[::-1][:2]
    assert first["next"] and first["previous"] is None
    assert [d["id"] for d in second["results"]] == ids[:1]
    assert second["next"] is None


def test_patch_merges_top_level_keys_and_revalidates(api) -> None:
    created = create(api, spec("Old", widgets=[widget("w_calls")], theme={"mode": "dark"}))

    response = api.patch(
        f"/v1/dashboards/{created['id']}",
        {
            "name": "New",
            "widgets": [widget("w_calls"), widget("w_p95", metric="p95", prop="latency_ms")],
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["name"] == "New"
    assert body["spec"]["theme"]["mode"] == "dark"  # untouched keys kept
    assert [w["id"] for w in body["spec"]["widgets"]] == ["w_calls", "w_p95"]
    stored = Dashboard.objects.get(pk=created["id"])
    assert stored.name == "New" and stored.draft_spec == body["spec"]
    assert body["updated_at"] > created["updated_at"]


def test_patch_with_null_resets_a_key_to_its_default(api) -> None:
    created = create(api, spec(theme={"mode": "dark", "primaryColor": "#FF0000"}))

    body = api.patch(f"/v1/dashboards/{created['id']}", {"theme": None}, format="json").json()

    assert body["spec"]["theme"] == {
        "primaryColor": "#2563eb",
        "fontFamily": "Inter, system-ui, sans-serif",
        "mode": "light",
    }


def test_patch_without_change_keeps_updated_at(api) -> None:
    created = create(api)

    body = api.patch(
        f"/v1/dashboards/{created['id']}", {"name": created["name"]}, format="json"
    ).json()

    assert body["updated_at"] == created["updated_at"]


def test_delete_removes_the_dashboard_and_its_versions(api) -> None:
    created = create(api)
    api.post(f"/v1/dashboards/{created['id']}/publish")

    response = api.delete(f"/v1/dashboards/{created['id']}")

    assert response.status_code == 204
    assert not Dashboard.objects.filter(pk=created["id"]).exists()
    assert_error(api.get(f"/v1/dashboards/{created['id']}"), 404, "not_found")


# --- bad input: a clear JSON error and nothing changed -------------------------------------------

BAD_WIDGETS = [
    pytest.param(widget(kind="gauge"), "widgets[0].kind", id="unknown-kind"),
    pytest.param(widget(chart="pie"), "widgets[0].chart", id="unknown-chart"),
    pytest.param(
        widget(metric="median", prop="latency_ms"), "widgets[0].metric", id="unknown-metric"
    ),
    pytest.param({**widget(), "colour": "red"}, "widgets[0].colour", id="unknown-key"),
    pytest.param(widget(metric="sum"), "widgets[0].property", id="sum-without-property"),
    pytest.param(widget(metric="avg"), "widgets[0].property", id="avg-without-property"),
    pytest.param(widget(metric="p95"), "widgets[0].property", id="p95-without-property"),
    pytest.param(widget(metric="p99"), "widgets[0].property", id="p99-without-property"),
    pytest.param(
        {**widget(), "layout": {"x": 9, "y": 0, "w": 6, "h": 2}},
        "widgets[0].layout.w",
        id="past-the-grid",
    ),
]


@pytest.mark.parametrize(("bad_widget", "field"), BAD_WIDGETS)
def test_create_refuses_an_invalid_widget(api, bad_widget, field) -> None:
    error = assert_error(
        api.post("/v1/dashboards", spec(widgets=[bad_widget]), format="json"), 400, "invalid_input"
    )

    assert field in fields_of(error)
    assert Dashboard.objects.count() == 0


def test_create_refuses_duplicate_widget_ids(api) -> None:
    body = spec(widgets=[widget("w_same"), widget("w_same", metric="count_unique")])

    error = assert_error(api.post("/v1/dashboards", body, format="json"), 400, "invalid_input")

    assert "widgets[1].id" in fields_of(error)
    assert Dashboard.objects.count() == 0


def test_create_refuses_an_unknown_top_level_key(api) -> None:
    error = assert_error(
        api.post("/v1/dashboards", {**spec(), "widget": []}, format="json"), 400, "invalid_input"
    )

    assert "widget" in fields_of(error)
    assert Dashboard.objects.count() == 0


def test_create_refuses_a_body_that_is_not_an_object(api) -> None:
    assert_error(api.post("/v1/dashboards", [spec()], format="json"), 400, "invalid_input")
    assert_error(
        api.post("/v1/dashboards", "{not json", content_type="application/json"),
        400,
        "malformed_json",
    )
    assert Dashboard.objects.count() == 0


def test_create_refuses_a_spec_over_the_size_limit(api) -> None:
    big = spec(widgets=[widget(f"w_{n}", title="x" * 200) for n in range(40)], name="n" * 200)
    big["filters"] = [{"dimension": "d", "label": "l" * (SPEC_MAX_BYTES)}]

    response = api.post("/v1/dashboards", big, format="json")

    assert_error(response, 413, "payload_too_large")
    assert Dashboard.objects.count() == 0


def test_patch_refuses_a_body_over_the_size_limit(api) -> None:
    created = create(api)

    response = api.patch(
        f"/v1/dashboards/{created['id']}", {"name": "x" * (SPEC_MAX_BYTES + 1)}, format="json"
    )

    assert_error(response, 413, "payload_too_large")
    assert Dashboard.objects.get(pk=created["id"]).name == created["name"]


def test_create_refuses_a_body_that_is_not_json(api) -> None:
    response = api.post("/v1/dashboards", "name=x", content_type="text/plain")

    assert_error(response, 415, "unsupported_media_type")
    assert Dashboard.objects.count() == 0


def test_patch_refuses_an_invalid_spec_and_changes_nothing(api) -> None:
    created = create(api)
    before = Dashboard.objects.get(pk=created["id"])

    error = assert_error(
        api.patch(
            f"/v1/dashboards/{created['id']}", {"widgets": [widget(metric="sum")]}, format="json"
        ),
        400,
        "invalid_input",
    )

    assert "widgets[0].property" in fields_of(error)
    after = Dashboard.objects.get(pk=created["id"])
    assert (after.draft_spec, after.updated_at, after.name) == (
        before.draft_spec,
        before.updated_at,
        before.name,
    )


def test_patch_refuses_keys_that_are_not_spec_keys(api) -> None:
    created = create(api)

    error = assert_error(
        api.patch(
            f"/v1/dashboards/{created['id']}", {"published_version": 3, "name": "X"}, format="json"
        ),
        400,
        "invalid_input",
    )

    assert fields_of(error) == {"published_version"}
    assert Dashboard.objects.get(pk=created["id"]).name == created["name"]


# --- authentication, scope and organization ------------------------------------------------------

ROUTES = [
    ("get", "/v1/dashboards/{id}"),
    ("patch", "/v1/dashboards/{id}"),
    ("delete", "/v1/dashboards/{id}"),
    ("post", "/v1/dashboards/{id}/publish"),
    ("post", "/v1/dashboards/{id}/unpublish"),
    ("post", "/v1/dashboards/{id}/restore"),
    ("get", "/v1/dashboards/{id}/versions"),
    ("get", "/v1/dashboards/{id}/versions/1"),
    ("get", "/v1/dashboards/{id}/data?tenant_id=t1"),
]
COLLECTION_ROUTES = [
    ("get", "/v1/dashboards"),
    ("post", "/v1/dashboards"),
    ("get", "/v1/discover"),
    ("post", "/v1/discover/auto-create"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_another_organizations_dashboard_is_not_found_on_every_route(
    api, other_org, client_for, method, path
) -> None:
    theirs = create(client_for(other_org.admin_key.secret), spec("Theirs"))
    before = Dashboard.objects.get(pk=theirs["id"])

    response = getattr(api, method)(
        path.format(id=theirs["id"]),
        {"name": "Mine now"} if method == "patch" else None,
        format="json",
    )

    assert_error(response, 404, "not_found")
    after = Dashboard.objects.get(pk=theirs["id"])
    assert (after.name, after.draft_spec, after.published_version_id) == (
        before.name,
        before.draft_spec,
        None,
    )
    assert after.versions.count() == 0


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_a_missing_dashboard_is_not_found(api, method, path) -> None:
    assert_error(getattr(api, method)(path.format(id="dash_doesnotexist0000")), 404, "not_found")


WRITE_ROUTES = [(method, path) for method, path in ROUTES + COLLECTION_ROUTES if method != "get"]
READ_ROUTES = [(method, path) for method, path in ROUTES + COLLECTION_ROUTES if method == "get"]


@pytest.mark.parametrize(
    ("scope", "method", "path"),
    [(KeyScope.INGEST, m, p) for m, p in ROUTES + COLLECTION_ROUTES]
    + [(KeyScope.READ, m, p) for m, p in WRITE_ROUTES],
)
def test_a_key_without_admin_scope_is_forbidden(api, org, client_for, scope, method, path) -> None:
    mine = create(api)
    key = api_key_create(organization=org.organization, scope=scope)

    response = getattr(client_for(key.secret), method)(
        path.format(id=mine["id"]), spec("Sneaky"), format="json"
    )

    assert_error(response, 403, "forbidden")
    assert Dashboard.objects.count() == 1
    assert Dashboard.objects.get().name == mine["name"]


@pytest.mark.parametrize(("method", "path"), ROUTES + COLLECTION_ROUTES)
def test_no_key_is_unauthenticated(api, method, path) -> None:
    from rest_framework.test import APIClient

    mine = create(api)

    response = getattr(APIClient(), method)(
        path.format(id=mine["id"]), spec("Sneaky"), format="json"
    )

    assert_error(response, 401, "unauthenticated")
    assert Dashboard.objects.count() == 1


def test_a_revoked_key_is_unauthenticated(api, org, client_for) -> None:
    from accounts.services import api_key_revoke

    key = api_key_create(organization=org.organization, scope=KeyScope.ADMIN)
    api_key_revoke(key=key.key)

    assert_error(client_for(key.secret).get("/v1/dashboards"), 401, "unauthenticated")


@pytest.mark.parametrize(("method", "path"), READ_ROUTES)
def test_a_read_key_may_read_but_sees_only_its_organization(
    api, org, other_org, client_for, method, path
) -> None:
    mine = create(api)
    api.post(f"/v1/dashboards/{mine['id']}/publish")
    theirs = create(client_for(other_org.admin_key.secret), spec("Theirs"))
    reader = client_for(api_key_create(organization=org.organization, scope=KeyScope.READ).secret)

    response = getattr(reader, method)(path.format(id=mine["id"]))

    assert response.status_code == 200, response.content
    assert theirs["id"] not in response.content.decode()
    if "{id}" in path:
        assert_error(getattr(reader, method)(path.format(id=theirs["id"])), 404, "not_found")
