import json
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import ApiKey, KeyScope
from accounts.selectors import api_key_for_secret
from accounts.services import api_key_create, api_key_revoke, hash_secret, organization_create


@pytest.mark.django_db
def test_key_secret_is_stored_only_as_hash(org) -> None:
    issued = org.admin_key
    key = ApiKey.objects.get(pk=issued.key.pk)
    assert issued.secret.startswith("sl_admin_")
    assert key.prefix == issued.secret[: len(key.prefix)]
    assert key.secret_hash == hash_secret(issued.secret)
    stored_text = json.dumps(list(ApiKey.objects.values().filter(pk=key.pk)), default=str)
    assert issued.secret not in stored_text


@pytest.mark.django_db
def test_revoked_key_no_longer_authenticates(org) -> None:
    assert api_key_for_secret(secret=org.admin_key.secret) is not None
    api_key_revoke(key=org.admin_key.key)
    assert api_key_for_secret(secret=org.admin_key.secret) is None


@pytest.mark.django_db
def test_last_used_at_is_recorded(client_for, org) -> None:
    assert client_for(org.admin_key.secret).get("/v1/dashboards").status_code == 200
    assert ApiKey.objects.get(pk=org.admin_key.key.pk).last_used_at is not None


@pytest.mark.django_db
def test_unknown_key_is_401_json(client_for) -> None:
    response = client_for("sl_admin_not-a-real-key").post(
        "/v1/events", {"events": []}, format="json"
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


@pytest.mark.django_db
def test_createorg_prints_json(db) -> None:
    out = StringIO()
    call_command("createorg", "Initech", "--owner-email", "boss@initech.example", stdout=out)
    payload = json.loads(out.getvalue())
    assert set(payload) == {"org_id", "admin_key", "ingest_key"}
    assert api_key_for_secret(secret=payload["admin_key"]).scope == KeyScope.ADMIN
    assert api_key_for_secret(secret=payload["ingest_key"]).organization_id == payload["org_id"]


@pytest.mark.django_db
def test_unknown_scope_is_refused(org) -> None:
    with pytest.raises(ValueError):
        api_key_create(organization=org.organization, scope="root")


@pytest.mark.django_db
def test_existing_user_can_own_a_second_org(org) -> None:
    second = organization_create(name="Second", owner_email=org.owner.email)
    assert second.owner == org.owner
    assert org.owner.memberships.count() == 2
