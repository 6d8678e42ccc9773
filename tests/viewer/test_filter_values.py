"""Viewer filter pickers (issue 14, item 7): GET /embed/<id>/values gives the token's tenant
its own top values of a dashboard filter, never another tenant's or organization's, searched
by `q`; a locked filter has nothing to pick and an unknown dimension is a 400."""

import pytest

from embeds.tokens import EmbedPermissions
from tests.embeds.conftest import TENANT_A, TENANT_B, publish

pytestmark = pytest.mark.django_db
PERIODS = ("24h", "7d", "30d", "90d", "custom")


def values(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [v["value"] for v in response.json()["values"]]


def test_each_tenant_picks_from_its_own_values_only(issue, embed_get, dashboard, seeded):
    url = f"/embed/{dashboard.pk}/values"
    mine = values(embed_get(url, issue(tenant_id=TENANT_A), dimension="model", period="7d"))
    assert mine == ["gpt-4", "claude"]  # by frequency: 2 calls, then 1
    theirs = values(embed_get(url, issue(tenant_id=TENANT_B), dimension="model", period="7d"))
    assert theirs == ["b-only-model"]
    assert "other-org-model" not in mine + theirs  # the same tenant id elsewhere


def test_the_search_narrows_case_insensitively(issue, embed_get, dashboard, seeded):
    url = f"/embed/{dashboard.pk}/values"
    token = issue(tenant_id=TENANT_A)
    assert values(embed_get(url, token, dimension="model", q="GPT", period="7d")) == ["gpt-4"]
    assert values(embed_get(url, token, dimension="model", q="x') OR 1=1", period="7d")) == []


def test_a_locked_filter_has_nothing_to_pick(issue, embed_get, dashboard, seeded):
    permissions = EmbedPermissions(locked_filters={"model": "gpt-4"}, allowed_periods=PERIODS)
    token = issue(tenant_id=TENANT_A, permissions=permissions)
    response = embed_get(f"/embed/{dashboard.pk}/values", token, dimension="model", period="7d")
    assert response.status_code == 403 and response.json()["error"]["code"] == "filter_locked"
    url = f"/embed/{dashboard.pk}/values"
    locked_plans = values(embed_get(url, token, dimension="plan", period="7d"))
    assert locked_plans == ["pro"]  # narrowed by the lock: A's gpt-4 calls are all pro
    open_plans = values(embed_get(url, issue(tenant_id=TENANT_A), dimension="plan", period="7d"))
    assert open_plans == ["pro", "free"]


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"dimension": "endpoint"}, 400),  # not one of the dashboard's filters
        ({}, 400),
        ({"dimension": "model", "colour": "red"}, 400),
        ({"dimension": "model", "period": "365d"}, 400),
    ],
)
def test_bad_requests_are_refused(issue, embed_get, dashboard, params, status):
    response = embed_get(f"/embed/{dashboard.pk}/values", issue(tenant_id=TENANT_A), **params)
    assert response.status_code == status and "error" in response.json()


def test_no_token_or_another_dashboards_token_reads_nothing(
    issue, embed_get, dashboard, seeded, org
):
    url = f"/embed/{dashboard.pk}/values"
    assert embed_get(url, None, dimension="model").status_code == 401
    other = publish(org.organization)
    response = embed_get(url, issue(dashboard_id=other.pk), dimension="model")
    assert response.status_code in (401, 404) and "gpt-4" not in response.content.decode()
