"""GET /embed/{id}/config: the page's configuration as JSON for native components, behind the
same bearer token as the data endpoint."""

import jwt
import pytest

from embeds.services import Actor, embed_session_revoke
from embeds.tokens import EmbedPermissions
from tests.embeds.conftest import publish

pytestmark = pytest.mark.django_db
ALL_PERIODS = ("24h", "7d", "30d", "90d", "custom")


def claims_jti(token: str) -> str:
    return jwt.decode(token, options={"verify_signature": False})["jti"]


def test_config_lists_visible_widgets_locked_filters_and_periods(issue, embed_get, dashboard):
    token = issue(
        permissions=EmbedPermissions(
            hidden_widgets=("w_secret",),
            locked_filters={"model": "gpt-4"},
            allowed_periods=("7d", "30d"),
        ),
        theme={"mode": "dark"},
    )

    response = embed_get(f"/embed/{dashboard.pk}/config", token)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["dashboard"] == {"id": dashboard.pk, "name": "All kinds"}
    ids = [w["id"] for w in body["widgets"]]
    assert "w_secret" not in ids and "Internal margin" not in response.content.decode()
    assert ids[:2] == ["w_kpi", "w_progress"]
    assert body["widgets"][0]["layout"] == {"x": 0, "y": 0, "w": 3, "h": 2}
    assert {"dimension": "model", "label": "Model", "locked": "gpt-4"} in body["filters"]
    assert body["locked_filters"] == {"model": "gpt-4"}
    assert body["periods"] == ["7d", "30d"] and body["period"] == "7d"
    assert body["theme"]["mode"] == "dark"
    assert body["urls"]["data"] == f"/embed/{dashboard.pk}/data"
    assert "parent_origins" not in body and token not in response.content.decode()
    assert response["Cache-Control"] == "no-store"


def test_config_without_or_with_a_bad_token_is_401(embed_get, dashboard):
    missing = embed_get(f"/embed/{dashboard.pk}/config", None)
    forged = embed_get(f"/embed/{dashboard.pk}/config", "a.b.c")

    assert missing.status_code == 401 and missing.json()["error"]["code"] == "unauthenticated"
    assert missing["WWW-Authenticate"].startswith("Bearer")
    assert forged.status_code == 401


def test_a_token_for_another_dashboard_is_refused(org, issue, embed_get, dashboard):
    other = publish(org.organization)
    token = issue(dashboard_id=other.pk)

    response = embed_get(f"/embed/{dashboard.pk}/config", token)

    assert response.status_code in (401, 404)
    assert "widgets" not in response.json()


def test_another_organizations_token_is_refused(other_org, issue, embed_get, dashboard):
    theirs = publish(other_org.organization)
    token = issue(dashboard_id=theirs.pk, organization=other_org.organization)

    assert embed_get(f"/embed/{dashboard.pk}/config", token).status_code in (401, 404)


def test_a_revoked_session_is_401(org, issue, embed_get, dashboard):
    token = issue(permissions=EmbedPermissions(allowed_periods=ALL_PERIODS))
    embed_session_revoke(organization=org.organization, jti=claims_jti(token), actor=Actor())

    response = embed_get(f"/embed/{dashboard.pk}/config", token)

    assert response.status_code == 401 and response.json()["error"]["code"] == "token_revoked"


def test_config_answers_cors_only_for_allowed_origins_and_only_get(org, issue, client, dashboard):
    org.organization.allowed_embed_origins = ["https://app.customer.example"]
    org.organization.save()
    token, url = issue(), f"/embed/{dashboard.pk}/config"
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    allowed = client.get(url, HTTP_ORIGIN="https://app.customer.example", **auth)
    other = client.get(url, HTTP_ORIGIN="https://evil.example", **auth)
    posted = client.post(url, **auth)

    assert allowed["Access-Control-Allow-Origin"] == "https://app.customer.example"
    assert "Access-Control-Allow-Origin" not in other
    assert posted.status_code == 405 and posted.json()["error"]["code"] == "method_not_allowed"


def test_a_refused_tokens_error_is_readable_cross_origin_and_holds_only_the_error(
    org, issue, client, dashboard
):
    other = publish(org.organization)
    response = client.get(
        f"/embed/{dashboard.pk}/config",
        HTTP_AUTHORIZATION=f"Bearer {issue(dashboard_id=other.pk)}",
        HTTP_ORIGIN="https://app.customer.example",
    )

    assert response.status_code == 404  # a dashboard outside the session
    assert response["Access-Control-Allow-Origin"] == "https://app.customer.example"
    assert set(response.json()) == {"error"}
