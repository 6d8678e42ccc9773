"""Console fixtures: signed-in Django test clients for each role of the `org` fixture."""

from collections.abc import Callable

import pytest
from django.test import Client

from accounts.models import Membership, Organization, Role, User
from core.ids import new_id


def add_member(organization: Organization, role: str) -> User:
    user = User.objects.create_user(f"{new_id('u')}@example.com", "pw-Strong-123")
    Membership.objects.create(user=user, organization=organization, role=role)
    return user


@pytest.fixture
def console_for(db) -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def owner_client(org, console_for) -> Client:
    return console_for(org.owner)


@pytest.fixture
def admin_user(org) -> User:
    return add_member(org.organization, Role.ADMIN)


@pytest.fixture
def admin_client(admin_user, console_for) -> Client:
    return console_for(admin_user)


@pytest.fixture
def member_user(org) -> User:
    return add_member(org.organization, Role.MEMBER)


@pytest.fixture
def member_client(member_user, console_for) -> Client:
    return console_for(member_user)


@pytest.fixture
def htmx() -> dict[str, str]:
    """Headers of an HTMX request (django-htmx sets request.htmx from them)."""
    return {"HX-Request": "true"}
