"""The organization of a request, one rule for both front doors."""

import pytest
from django.test import RequestFactory

from core.errors import NotFound
from interface.requests import request_organization

pytestmark = pytest.mark.django_db


def test_an_api_key_acts_for_its_organization_even_beside_a_console_one(org, other_org) -> None:
    request = RequestFactory().get("/v1/dashboards")
    request.auth = org.admin_key.key
    request.organization = other_org.organization  # a signed-in console user, another org
    assert request_organization(request) == org.organization


def test_a_console_user_acts_for_the_current_organization(org) -> None:
    request = RequestFactory().get("/app/dashboards")
    request.auth = None
    request.organization = org.organization
    assert request_organization(request) == org.organization


def test_neither_is_a_not_found() -> None:
    request = RequestFactory().get("/v1/dashboards")
    with pytest.raises(NotFound):
        request_organization(request)
    request.organization = None
    with pytest.raises(NotFound):
        request_organization(request)
