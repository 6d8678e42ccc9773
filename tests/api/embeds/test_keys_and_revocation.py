"""Signing key rotation and retirement; revoking one session, a tenant, or the organization."""

from datetime import timedelta

import jwt
import pytest
from django.utils import timezone

from accounts.models import KeyScope
from accounts.services import api_key_create
from embeds.models import AuditAction, AuditLogEntry, EmbedSigningKey
from embeds.selectors import embed_signing_key_active
from embeds.services import Actor, embed_signing_key_ensure
from tests.embeds.conftest import TENANT_A, TENANT_B

pytestmark = pytest.mark.django_db


@pytest.fixture
def data_get(embed_get, dashboard):
    def get(token: str):
        return embed_get(f"/embed/{dashboard.pk}/data", token, period="7d")

    return get


def kid_of(token: str) -> str:
    return jwt.get_unverified_header(token)["kid"]


def jti_of(token: str) -> str:
    return jwt.decode(token, options={"verify_signature": False})["jti"]


def audit_actions(org) -> list[str]:
    return list(
        AuditLogEntry.objects.filter(organization=org.organization)
        .order_by("created_at")
        .values_list("action", flat=True)
    )


# --- Keys -------------------------------------------------------------------------------------


def test_rotation_signs_new_sessions_with_the_new_key_and_old_ones_keep_working(
    api, org, issue, data_get
):
    old_token = issue()

    rotated = api.post("/v1/embed-keys/rotate")
    new_token = issue()

    assert rotated.status_code == 201
    assert rotated.json()["active"] is True and "secret" not in rotated.json()
    assert kid_of(new_token) == rotated.json()["id"] != kid_of(old_token)
    assert data_get(old_token).status_code == 200
    assert data_get(new_token).status_code == 200
    assert AuditAction.KEY_ROTATED in audit_actions(org)


def test_retired_key_stops_its_sessions_at_once(api, org, issue, data_get):
    old_token = issue()
    api.post("/v1/embed-keys/rotate")
    new_token = issue()
    assert data_get(old_token).status_code == 200  # the secret is now cached in this process

    retired = api.post(f"/v1/embed-keys/{kid_of(old_token)}/retire")

    assert retired.status_code == 200
    assert retired.json()["retired_at"] is not None and retired.json()["active"] is False
    assert data_get(old_token).status_code == 401
    assert data_get(new_token).status_code == 200
    assert AuditAction.KEY_RETIRED in audit_actions(org)


def test_retiring_the_active_key_makes_the_next_session_use_a_new_one(api, issue, data_get):
    token = issue()

    api.post(f"/v1/embed-keys/{kid_of(token)}/retire")
    fresh = issue()

    assert kid_of(fresh) != kid_of(token)
    assert data_get(fresh).status_code == 200


def test_key_list_never_shows_secrets(api, org):
    first = embed_signing_key_ensure(organization=org.organization)
    api.post("/v1/embed-keys/rotate")

    response = api.get("/v1/embed-keys")

    keys = response.json()["results"]
    assert response.status_code == 200
    assert len(keys) == 2 and [k["active"] for k in keys] == [True, False]
    assert keys[1]["id"] == first.pk
    assert first.secret not in response.content.decode()
    assert all(set(k) == {"id", "active", "created_at", "retired_at"} for k in keys)


def test_another_organizations_key_is_404(api, other_org):
    theirs = embed_signing_key_ensure(organization=other_org.organization)

    response = api.post(f"/v1/embed-keys/{theirs.pk}/retire")

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.retired_at is None


def test_key_list_shows_only_our_keys(api, org, other_org):
    embed_signing_key_ensure(organization=other_org.organization)

    assert api.get("/v1/embed-keys").json()["results"] == []


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/v1/embed-keys"),
        ("post", "/v1/embed-keys/rotate"),
        ("post", "/v1/embed-keys/ek_x/retire"),
    ],
)
def test_key_endpoints_need_an_admin_key(client, client_for, org, method, path):
    ingest = client_for(org.ingest_key.secret)
    reader = client_for(api_key_create(organization=org.organization, scope=KeyScope.READ).secret)

    assert getattr(client, method)(path).status_code == 401
    assert getattr(ingest, method)(path).status_code == 403
    assert getattr(reader, method)(path).status_code == 403
    assert not EmbedSigningKey.objects.exists()


# --- Revocation -------------------------------------------------------------------------------


def test_revoking_a_session_stops_only_that_session(api, org, issue, data_get):
    token, other = issue(), issue()

    response = api.post(f"/v1/embed-sessions/{jti_of(token)}/revoke")

    assert response.status_code == 200
    assert data_get(token).status_code == 401
    assert data_get(token).json()["error"]["code"] == "token_revoked"
    assert data_get(other).status_code == 200
    entry = AuditLogEntry.objects.get(action=AuditAction.SESSION_REVOKED)
    assert (entry.jti, entry.api_key_id) == (jti_of(token), org.admin_key.key.pk)
    assert (entry.tenant_id, entry.dashboard_id) == (
        TENANT_A,
        jwt.decode(token, options={"verify_signature": False})["dash"],
    )


def test_revoking_a_session_twice_is_fine(api, issue):
    jti = jti_of(issue())

    assert api.post(f"/v1/embed-sessions/{jti}/revoke").status_code == 200
    assert api.post(f"/v1/embed-sessions/{jti}/revoke").status_code == 200


def test_revoking_an_unknown_or_another_organizations_session_is_404(
    api, other_org, client_for, issue
):
    jti = jti_of(issue())

    assert api.post("/v1/embed-sessions/es_unknown/revoke").status_code == 404
    assert (
        client_for(other_org.admin_key.secret).post(f"/v1/embed-sessions/{jti}/revoke").status_code
        == 404
    )


def test_revoking_a_tenant_stops_its_sessions_and_not_others(api, org, issue, data_get):
    a_token, b_token = issue(tenant_id=TENANT_A), issue(tenant_id=TENANT_B)

    response = api.post("/v1/embed-sessions/revoke", {"tenant_id": TENANT_A}, format="json")

    assert response.status_code == 200
    assert data_get(a_token).status_code == 401
    assert data_get(b_token).status_code == 200
    assert data_get(issue(tenant_id=TENANT_A)).status_code == 200  # new sessions work again
    entry = AuditLogEntry.objects.get(action=AuditAction.TENANT_REVOKED)
    assert entry.tenant_id == TENANT_A


def test_revoking_all_stops_every_session_of_the_organization_only(
    api, org, other_org, issue, data_get, embed_get
):
    from tests.embeds.conftest import publish

    a_token, b_token = issue(tenant_id=TENANT_A), issue(tenant_id=TENANT_B)
    theirs = publish(other_org.organization)
    their_token = issue(organization=other_org.organization, dashboard_id=theirs.pk)

    response = api.post("/v1/embed-sessions/revoke", {"all": True}, format="json")

    assert response.status_code == 200
    assert data_get(a_token).status_code == 401 and data_get(b_token).status_code == 401
    assert embed_get(f"/embed/{theirs.pk}/data", their_token, period="7d").status_code == 200
    assert data_get(issue()).status_code == 200
    assert AuditAction.ORGANIZATION_REVOKED in audit_actions(org)


def test_revocation_of_a_tenant_in_another_organization_does_not_touch_ours(
    client_for, other_org, issue, data_get
):
    token = issue(tenant_id=TENANT_A)

    client_for(other_org.admin_key.secret).post(
        "/v1/embed-sessions/revoke", {"tenant_id": TENANT_A}, format="json"
    )

    assert data_get(token).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"all": False},
        {"tenant_id": TENANT_A, "all": True},
        {"tenant": TENANT_A},
        {"all": "yes please"},
    ],
)
def test_bad_revoke_body_is_400_and_revokes_nothing(api, org, issue, data_get, body):
    token = issue()

    response = api.post("/v1/embed-sessions/revoke", body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"
    assert data_get(token).status_code == 200
    assert audit_actions(org) == [AuditAction.SESSION_ISSUED]


@pytest.mark.parametrize("path", ["/v1/embed-sessions/revoke", "/v1/embed-sessions/es_x/revoke"])
def test_revoke_endpoints_need_an_admin_key(client, client_for, org, path):
    assert client.post(path, {"all": True}, content_type="application/json").status_code == 401
    assert (
        client_for(org.ingest_key.secret).post(path, {"all": True}, format="json").status_code
        == 403
    )


def test_service_actor_without_a_key_is_recorded_as_blank(org):
    assert Actor(ip="127.0.0.1").api_key_id == ""


def test_a_rotation_in_the_same_clock_tick_still_makes_the_new_key_active(api, org):
    first = embed_signing_key_ensure(organization=org.organization)
    # The clock can stand still between two calls (coarse clocks, paused VMs): pretend it did.
    ahead = timezone.now() + timedelta(seconds=5)
    EmbedSigningKey.objects.filter(pk=first.pk).update(created_at=ahead)

    rotated = api.post("/v1/embed-keys/rotate")

    active = embed_signing_key_active(organization=org.organization)
    assert active is not None and active.pk == rotated.json()["id"] != first.pk
