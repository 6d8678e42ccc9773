import pytest
from django.conf import settings

from accounts.models import KeyScope, Role
from accounts.services import NewOrganization, api_key_create, organization_create
from core.ids import new_id
from warehouse.backends import get_backend
from warehouse.schema import migrate


@pytest.fixture(scope="session", autouse=True)
def warehouse_schema() -> None:
    """chDB in this process's private directory, migrated once per test session."""
    migrate(get_backend())


@pytest.fixture
def org(db) -> NewOrganization:
    """A fresh organization (a unique id, so warehouse data never leaks between tests)."""
    return organization_create(
        name="Acme", owner_email=f"{new_id('u')}@example.com", owner_password="pw-Strong-123"
    )


@pytest.fixture
def other_org(db) -> NewOrganization:
    return organization_create(
        name="Globex", owner_email=f"{new_id('u')}@example.com", owner_password="pw-Strong-123"
    )


@pytest.fixture
def api(org):
    """A DRF test client authenticated with the org's admin key: api.get("/v1/…")."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {org.admin_key.secret}")
    return client


@pytest.fixture
def client_for():
    """client_for(secret) → an APIClient sending that bearer key."""
    from rest_framework.test import APIClient

    def make(secret: str) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        return client

    return make


@pytest.fixture
def read_key(org):
    return api_key_create(organization=org.organization, scope=KeyScope.READ)


@pytest.fixture
def redis_url() -> str:
    """The real Redis of the machine. Missing Redis fails under CI (config.test_settings)."""
    from config.test_settings import REDIS_AVAILABLE

    if not REDIS_AVAILABLE:
        pytest.skip(
            "Redis is not reachable at REDIS_URL (never skipped in CI: settings fail first)"
        )
    return settings.REDIS_URL


__all__ = ["Role"]
