"""Embed sessions as REST resources (GET /v1/embed-sessions, DELETE /v1/embed-sessions/{id}),
single-widget sessions (widget_id) and single-use URLs (single_use_url)."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from embeds.models import AuditLogEntry, EmbedRevocation, EmbedSessionCode
from tests.embeds.conftest import TENANT_A, TENANT_B, publish

pytestmark = pytest.mark.django_db
URL = "/v1/embed-sessions"


def create(api, dashboard, **body) -> dict:
    response = api.post(
        URL, {"tenant_id": TENANT_A, "dashboard_id": dashboard.pk, **body}, format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()


def listed(api, **params) -> list[dict]:
    response = api.get(URL, params)
    assert response.status_code == 200, response.json()
    return response.json()["results"]


# --- Listing ------------------------------------------------------------------------------------


def test_list_shows_active_sessions_newest_first_with_their_fields(api, dashboard):
    first = create(api, dashboard, user="ann@customer.example")
    second = create(api, dashboard, tenant_id=TENANT_B, expires_in=60)
    body = api.get(URL).json()
    assert body["count"] == 2
    rows = body["results"]
    assert [r["id"] for r in rows] == [second["session_id"], first["session_id"]]
    assert rows[1]["user"] == "ann@customer.example"
    assert rows[1]["tenant_id"] == TENANT_A and rows[1]["dashboard_id"] == dashboard.pk
    assert rows[1]["status"] == "active"
    assert rows[0]["expires_at"].replace("Z", "+00:00") == second["expires_at"].replace(
        "Z", "+00:00"
    )


def test_filter_by_tenant_and_paginate(api, dashboard):
    for _ in range(3):
        create(api, dashboard)
    create(api, dashboard, tenant_id=TENANT_B)
    assert {r["tenant_id"] for r in listed(api, tenant_id=TENANT_B)} == {TENANT_B}
    assert len(listed(api, tenant_id=TENANT_A)) == 3
    page = api.get(URL, {"limit": 2, "offset": 0}).json()
    assert page["count"] == 4 and len(page["results"]) == 2 and page["next"]


def test_revoked_and_expired_sessions_leave_the_default_list(api, dashboard):
    kept = create(api, dashboard)
    revoked = create(api, dashboard)
    expired = create(api, dashboard)
    tenant_b = create(api, dashboard, tenant_id=TENANT_B)
    entry = AuditLogEntry.objects.get(jti=expired["session_id"], action="embed_session.issued")
    entry.details["expires_at"] = int((timezone.now() - timedelta(seconds=5)).timestamp())
    entry.save()
    assert api.delete(f"{URL}/{revoked['session_id']}").status_code == 204
    api.post(f"{URL}/revoke", {"tenant_id": TENANT_B}, format="json")

    assert [r["id"] for r in listed(api)] == [kept["session_id"]]
    every = {r["id"]: r["status"] for r in listed(api, active="false")}
    assert every == {
        kept["session_id"]: "active",
        revoked["session_id"]: "revoked",
        expired["session_id"]: "expired",
        tenant_b["session_id"]: "revoked",
    }


def test_a_session_issued_after_a_tenant_revocation_is_active(api, dashboard):
    api.post(f"{URL}/revoke", {"tenant_id": TENANT_A}, format="json")
    fresh = create(api, dashboard)
    assert [r["id"] for r in listed(api)] == [fresh["session_id"]]


def test_retiring_the_signing_key_and_revoking_all_end_every_listed_session(api, dashboard):
    create(api, dashboard)
    kid = api.get("/v1/embed-keys").json()["results"][0]["id"]
    api.post("/v1/embed-keys/rotate")
    api.post(f"/v1/embed-keys/{kid}/retire")
    assert listed(api) == []
    create(api, dashboard)
    api.post(f"{URL}/revoke", {"all": True}, format="json")
    assert listed(api) == []


def test_list_never_shows_another_organizations_sessions(api, client_for, org, other_org):
    mine = publish(org.organization)
    theirs = publish(other_org.organization)
    create(api, mine)
    create(client_for(other_org.admin_key.secret), theirs)
    assert [r["dashboard_id"] for r in listed(api)] == [mine.pk]


@pytest.mark.parametrize(
    "params", [{"active": "perhaps"}, {"tenant_id": "x" * 201}, {"limit": "0"}, {"colour": "red"}]
)
def test_bad_list_parameters_are_a_400(api, dashboard, params):
    response = api.get(URL, params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"


# --- Deleting -----------------------------------------------------------------------------------


def test_delete_revokes_the_session_at_once(api, client, dashboard):
    session = create(api, dashboard)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {session['token']}"}
    assert client.get(f"/embed/{dashboard.pk}/data", **headers).status_code == 200
    assert api.delete(f"{URL}/{session['session_id']}").status_code == 204
    refused = client.get(f"/embed/{dashboard.pk}/data", **headers)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "token_revoked"
    assert api.delete(f"{URL}/{session['session_id']}").status_code == 204  # idempotent


def test_another_organizations_session_or_an_unknown_id_is_a_404(api, client_for, other_org):
    theirs = create(client_for(other_org.admin_key.secret), publish(other_org.organization))
    response = api.delete(f"{URL}/{theirs['session_id']}")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert api.delete(f"{URL}/es_nope").status_code == 404
    assert not EmbedRevocation.objects.exists()


@pytest.mark.parametrize("scope", ["read", "ingest"])
def test_read_and_ingest_keys_cannot_list_or_delete(
    api, client_for, org, read_key, dashboard, scope
):
    session = create(api, dashboard)
    secret = read_key.secret if scope == "read" else org.ingest_key.secret
    other = client_for(secret)
    assert other.get(URL).status_code == 403
    assert other.delete(f"{URL}/{session['session_id']}").status_code == 403
    assert not EmbedRevocation.objects.exists()


# --- One widget ---------------------------------------------------------------------------------


def test_a_widget_session_shows_and_serves_only_that_widget(api, client, dashboard, seeded):
    session = create(
        api,
        dashboard,
        widget_id="w_series",
        permissions={"allow_drill_down": True},
        allow_export=True,
    )
    page = client.get(session["embed_url"].replace("http://testserver", ""))
    config = json.loads(
        page.content.decode()
        .split('id="sl-config" type="application/json">')[1]
        .split("</script>")[0]
    )
    assert [w["id"] for w in config["widgets"]] == ["w_series"]
    assert config["single_widget"] is True
    assert config["widgets"][0]["layout"]["w"] == 12 and config["widgets"][0]["layout"]["x"] == 0

    headers = {"HTTP_AUTHORIZATION": f"Bearer {session['token']}"}
    data = client.get(f"/embed/{dashboard.pk}/data", {"period": "7d"}, **headers).json()
    assert [w["id"] for w in data["widgets"]] == ["w_series"]
    for endpoint in ("drill", "export"):
        other = client.get(
            f"/embed/{dashboard.pk}/{endpoint}", {"period": "7d", "widget": "w_kpi"}, **headers
        )
        assert other.status_code == 404, endpoint
        mine = client.get(
            f"/embed/{dashboard.pk}/{endpoint}", {"period": "7d", "widget": "w_series"}, **headers
        )
        assert mine.status_code == 200, (endpoint, mine.content[:300])
    assert listed(api)[0]["widget_id"] == "w_series"


@pytest.mark.parametrize(
    "extra",
    [
        {"widget_id": "w_nope"},
        {"widget_id": "w_secret", "permissions": {"hidden_widgets": ["w_secret"]}},
        {"widget_id": 7},
        {"widget_id": ""},
    ],
)
def test_a_widget_the_session_cannot_show_is_a_400_and_issues_nothing(api, dashboard, extra):
    response = api.post(
        URL, {"tenant_id": TENANT_A, "dashboard_id": dashboard.pk, **extra}, format="json"
    )
    assert response.status_code == 400
    assert any(d["field"] == "widget_id" for d in response.json()["error"]["details"])
    assert not AuditLogEntry.objects.filter(action="embed_session.issued").exists()


# --- Single-use URLs ----------------------------------------------------------------------------


def test_by_default_the_url_carries_the_token(api, dashboard):
    session = create(api, dashboard)
    assert session["embed_url"].endswith(f"?token={session['token']}")
    assert not EmbedSessionCode.objects.exists()


def test_a_single_use_url_opens_once_and_keeps_the_token_out_of_it(api, client, dashboard):
    session = create(api, dashboard, single_use_url=True)
    url = session["embed_url"].replace("http://testserver", "")
    assert session["token"] not in url and "?code=" in url
    code = url.split("?code=")[1]
    stored = EmbedSessionCode.objects.get()
    assert code not in (stored.code_hash, stored.token)  # only the code's hash is stored

    page = client.get(url)
    assert page.status_code == 200
    assert session["token"] not in page.content.decode()
    assert f'"session": "/embed/{dashboard.pk}/session"' in page.content.decode()

    exchange = f"/embed/{dashboard.pk}/session"
    first = client.post(exchange, {"code": code}, content_type="application/json")
    assert first.status_code == 200 and first.json() == {"token": session["token"]}
    assert first["Cache-Control"] == "no-store"
    assert EmbedSessionCode.objects.get().token == ""  # erased once used

    second = client.post(exchange, {"code": code}, content_type="application/json")
    assert second.status_code == 401 and second.json()["error"]["code"] == "code_used"
    again = client.get(url)
    assert again.status_code == 401
    assert "already been used" in again.content.decode()


def test_a_code_expires_and_belongs_to_its_dashboard(api, client, org, dashboard):
    session = create(api, dashboard, single_use_url=True)
    code = session["embed_url"].split("?code=")[1]
    other = publish(org.organization)
    wrong = client.post(
        f"/embed/{other.pk}/session", {"code": code}, content_type="application/json"
    )
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_code"
    EmbedSessionCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    late = client.post(
        f"/embed/{dashboard.pk}/session", {"code": code}, content_type="application/json"
    )
    assert late.status_code == 401 and late.json()["error"]["code"] == "code_expired"
    page = client.get(f"/embed/{dashboard.pk}", {"code": code})
    assert page.status_code == 401 and "expired" in page.content.decode()


def test_the_error_page_of_a_used_code_may_still_be_framed_by_the_customer(
    api, client, org, dashboard
):
    api.patch(
        "/v1/organization",
        {"allowed_embed_origins": ["https://app.customer.example"]},
        format="json",
    )
    session = create(api, dashboard, single_use_url=True)
    code = session["embed_url"].split("?code=")[1]
    client.post(f"/embed/{dashboard.pk}/session", {"code": code}, content_type="application/json")
    page = client.get(f"/embed/{dashboard.pk}", {"code": code})
    assert "https://app.customer.example" in page["Content-Security-Policy"]


@pytest.mark.parametrize(
    "body",
    [b"{nope", b"[]", b'{"code": 5}', b'{"code": ""}', b"{}", b'{"code": "unknown"}'],
)
def test_bad_exchange_bodies_are_json_errors(client, dashboard, body):
    response = client.post(f"/embed/{dashboard.pk}/session", body, content_type="application/json")
    assert response.status_code in (400, 401)
    assert set(response.json()["error"]) == {"code", "message", "details"}
    assert client.get(f"/embed/{dashboard.pk}/session").status_code == 405


def test_single_use_url_must_be_a_boolean(api, dashboard):
    response = api.post(
        URL,
        {"tenant_id": TENANT_A, "dashboard_id": dashboard.pk, "single_use_url": "sometimes"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["field"] == "single_use_url"
    assert not EmbedSessionCode.objects.exists()


def test_listing_and_deleting_are_rate_limited_per_key_issuing_is_not(api, dashboard, settings):
    settings.API_RATE_LIMIT = "2/m"
    session = create(api, dashboard)
    assert api.get(URL).status_code == 200
    assert api.get(URL).status_code == 200
    refused = api.delete(f"{URL}/{session['session_id']}")
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "rate_limited"
    assert not EmbedRevocation.objects.exists()
    for _ in range(3):
        create(api, dashboard)  # the hot path stays unthrottled


def test_code_exchanges_are_rate_limited_per_client_address(api, client, dashboard, settings):
    settings.EMBED_CODE_RATE_LIMIT = "2/m"
    session = create(api, dashboard, single_use_url=True)
    code = session["embed_url"].split("?code=")[1]
    exchange = f"/embed/{dashboard.pk}/session"
    address = {"REMOTE_ADDR": "203.0.113.77"}  # a bucket of this test's own
    for guess in ("guess-1", "guess-2"):
        wrong = client.post(exchange, {"code": guess}, content_type="application/json", **address)
        assert wrong.status_code == 401
    limited = client.post(exchange, {"code": code}, content_type="application/json", **address)
    assert limited.status_code == 429 and limited.json()["error"]["code"] == "rate_limited"
    assert EmbedSessionCode.objects.get().used_at is None  # the real code was not used up


def _page_config(page) -> dict:
    return json.loads(
        page.content.decode()
        .split('id="sl-config" type="application/json">')[1]
        .split("</script>")[0]
    )


def test_a_single_use_page_carries_no_data_until_its_code_is_exchanged(
    api, client, dashboard, seeded
):
    """The code is not used up by loading the page, so the page must not hold the tenant's data:
    anyone who loads a copied URL within the code's lifetime would read it without the code."""
    token_page = client.get(create(api, dashboard)["embed_url"].replace("http://testserver", ""))
    assert _page_config(token_page)["data"] is not None  # the token URL's first data is inline

    single_use = create(api, dashboard, single_use_url=True)
    page = client.get(single_use["embed_url"].replace("http://testserver", ""))
    assert page.status_code == 200
    assert _page_config(page)["data"] is None
