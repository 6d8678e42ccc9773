"""One parser of published specs, cached per process, behind embeds, alerts and the data path."""

import pytest

from alerts.targets import TargetResolver
from dashboards.models import Dashboard
from dashboards.selectors import (
    dashboard_version_spec,
    dashboard_version_spec_get,
    published_spec,
)
from dashboards.services import dashboard_create, dashboard_publish, dashboard_update
from embeds.selectors import embed_session_verify
from embeds.services import Actor, SessionRequest, embed_session_create
from embeds.tokens import EmbedPermissions
from tests.factories import spec, widget

pytestmark = pytest.mark.django_db


def published(org) -> Dashboard:
    dashboard = dashboard_create(
        organization=org.organization, spec=spec(widgets=[widget("w_a"), widget("w_b")])
    )
    dashboard_publish(dashboard=dashboard)
    return Dashboard.objects.select_related("published_version").get(pk=dashboard.pk)


def test_a_published_version_is_parsed_once_and_shared(org, django_assert_num_queries) -> None:
    dashboard = published(org)
    version = dashboard.published_version
    first = dashboard_version_spec(version=version)
    assert published_spec(dashboard) is first
    with django_assert_num_queries(0):  # by number: cached, no query
        assert dashboard_version_spec_get(dashboard_id=dashboard.pk, number=1) is first
    target = TargetResolver().resolve(
        organization_id=org.organization.pk, dashboard_id=dashboard.pk, widget_id="w_b"
    )
    assert target.widget is first.widget("w_b")  # the alerts' resolver reads the same parse


def test_a_new_version_is_parsed_anew(org) -> None:
    dashboard = published(org)
    before = dashboard_version_spec(version=dashboard.published_version)
    dashboard_update(dashboard=dashboard, changes=spec("Renamed", widgets=[widget("w_c")]))
    dashboard_publish(dashboard=dashboard)
    dashboard.refresh_from_db()
    after = published_spec(dashboard)
    assert after is not before
    assert (after.name, [w.id for w in after.widgets]) == ("Renamed", ["w_c"])
    assert before.name == "API usage"  # the old version keeps its own spec


def test_embeds_issue_and_verify_through_the_same_parse(org) -> None:
    dashboard = published(org)
    request = SessionRequest(
        dashboard_id=dashboard.pk,
        tenant_id="acme",
        expires_in=600,
        permissions=EmbedPermissions(hidden_widgets=("w_b",)),
    )
    issued = embed_session_create(organization=org.organization, request=request, actor=Actor())
    verified = embed_session_verify(token=issued.token, dashboard_id=dashboard.pk)
    assert dashboard_version_spec(version=verified.version) is published_spec(dashboard)
