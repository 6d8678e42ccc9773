"""GET/PATCH /v1/organization: admin scope only, the console's rules (one service), and bad
input is a 400 that changes nothing."""

import pytest

from accounts.models import Organization

pytestmark = pytest.mark.django_db
URL = "/v1/organization"


def stored(org) -> dict:
    o = Organization.objects.get(pk=org.organization.pk)
    return {
        "name": o.name,
        "allowed_embed_origins": o.allowed_embed_origins,
        "default_timezone": o.default_timezone,
        "retention_days": o.retention_days,
    }


def test_get_shows_the_settings_of_the_keys_organization(api, org, other_org):
    body = api.get(URL).json()
    assert body == {"id": org.organization.pk, **stored(org)}
    assert "webhook_secret" not in body


def test_patch_changes_only_what_is_sent_and_normalizes_origins(api, org):
    before = stored(org)
    response = api.patch(
        URL,
        {"allowed_embed_origins": ["https://app.customer.example/", "http://localhost:3000"]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    after = stored(org)
    assert after["allowed_embed_origins"] == [
        "https://app.customer.example",
        "http://localhost:3000",
    ]
    assert {k: after[k] for k in ("name", "default_timezone", "retention_days")} == {
        k: before[k] for k in ("name", "default_timezone", "retention_days")
    }
    assert response.json()["allowed_embed_origins"] == after["allowed_embed_origins"]

    api.patch(
        URL,
        {"name": " Acme Corp ", "default_timezone": "Europe/Paris", "retention_days": 90},
        format="json",
    )
    assert stored(org) == {
        "name": "Acme Corp",
        "allowed_embed_origins": after["allowed_embed_origins"],
        "default_timezone": "Europe/Paris",
        "retention_days": 90,
    }


def test_the_new_origin_frames_the_embed_page_at_once(api, org, client):
    """The point of the route: a backend onboards a customer's domain by itself."""
    from tests.embeds.conftest import publish

    api.patch(URL, {"allowed_embed_origins": ["https://app.customer.example"]}, format="json")
    dashboard = publish(org.organization)
    url = api.post(
        "/v1/embed-sessions", {"tenant_id": "t1", "dashboard_id": dashboard.pk}, format="json"
    ).json()["embed_url"]
    page = client.get(url.replace("http://testserver", ""))
    assert "frame-ancestors 'self' https://app.customer.example" in page["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"allowed_embed_origins": ["ftp://x.example"]}, "allowed_embed_origins"),
        ({"allowed_embed_origins": ["https://x.example/path"]}, "allowed_embed_origins"),
        ({"allowed_embed_origins": "https://x.example"}, "allowed_embed_origins"),
        ({"allowed_embed_origins": [42]}, "allowed_embed_origins.0"),
        ({"default_timezone": "Mars/Olympus"}, "default_timezone"),
        ({"retention_days": 0}, "retention_days"),
        ({"retention_days": 99999}, "retention_days"),
        ({"retention_days": True}, "retention_days"),
        ({"retention_days": "many"}, "retention_days"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"webhook_secret": "mine"}, "webhook_secret"),
        ({"id": "org_other"}, "id"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(api, org, body, field):
    before = stored(org)
    response = api.patch(URL, body, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert field in [d["field"] for d in error["details"]], error
    assert stored(org) == before


def test_a_body_that_is_not_an_object_or_not_json_is_a_400(api, org):
    before = stored(org)
    assert api.patch(URL, [1, 2], format="json").status_code == 400
    response = api.generic("PATCH", URL, "{nope", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_json"
    assert stored(org) == before


@pytest.mark.parametrize("scope", ["read", "ingest"])
def test_read_and_ingest_keys_are_refused(client_for, org, read_key, scope):
    secret = read_key.secret if scope == "read" else org.ingest_key.secret
    client = client_for(secret)
    before = stored(org)
    assert client.get(URL).status_code == 403
    response = client.patch(URL, {"name": "Hijacked"}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert stored(org) == before


def test_no_key_is_a_401(client):
    assert client.get(URL).status_code == 401


def test_a_key_only_ever_reaches_its_own_organization(client_for, org, other_org):
    other = client_for(other_org.admin_key.secret)
    other.patch(URL, {"name": "Globex Renamed"}, format="json")
    assert stored(org)["name"] == "Acme"
    assert other.get(URL).json()["id"] == other_org.organization.pk


def test_the_route_is_rate_limited_per_key_and_a_refused_patch_changes_nothing(api, org, settings):
    settings.API_RATE_LIMIT = "3/m"
    for _ in range(3):
        assert api.get(URL).status_code == 200
    before = stored(org)
    refused = api.patch(URL, {"name": "Too fast"}, format="json")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert int(refused["Retry-After"]) >= 1
    assert stored(org) == before
