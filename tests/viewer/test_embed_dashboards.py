"""Sessions for several dashboards (issue 11, item 2): a session with dashboard_ids opens each
of them (page and data endpoints) and nothing else: a dashboard outside the list, another
organization's or an unpublished one is refused, never revealing whether it exists."""

import json

import pytest

from dashboards.services import dashboard_unpublish
from tests.embeds.conftest import publish

pytestmark = pytest.mark.django_db


def config_of(page) -> dict:
    text = page.content.decode()
    return json.loads(
        text.split('id="sl-config" type="application/json">')[1].split("</script>")[0]
    )


@pytest.fixture
def second(org):
    return publish(org.organization, {"name": "Second board", "widgets": [
        {"id": "w_two", "title": "Calls", "kind": "kpi", "event_name": "api.call"}]})  # fmt: skip


def test_a_session_opens_each_of_its_dashboards_and_lists_them(
    issue, dashboard, second, client, embed_get, seeded
):
    token = issue(dashboard_ids=(second.pk,))

    for board, widget in ((dashboard, "w_kpi"), (second, "w_two")):
        page = client.get(f"/embed/{board.pk}", {"token": token})
        assert page.status_code == 200, page.content
        config = config_of(page)
        assert config["dashboard"]["id"] == board.pk
        assert config["dashboards"] == [
            {"id": dashboard.pk, "name": "All kinds"},
            {"id": second.pk, "name": "Second board"},
        ]
        data = embed_get(f"/embed/{board.pk}/data", token, period="7d")
        assert data.status_code == 200 and widget in {w["id"] for w in data.json()["widgets"]}


def test_a_session_for_one_dashboard_shows_no_switcher(issue, dashboard, client):
    assert config_of(client.get(f"/embed/{dashboard.pk}", {"token": issue()}))["dashboards"] == []


def test_a_dashboard_outside_the_list_is_a_404_like_one_that_does_not_exist(
    issue, org, other_org, dashboard, second, client, embed_get
):
    token = issue(dashboard_ids=(second.pk,))
    outside = publish(org.organization)
    theirs = publish(other_org.organization)

    answers = [
        embed_get(f"/embed/{board}/data", token, period="7d")
        for board in (outside.pk, theirs.pk, "dash_nope")
    ]
    pages = [client.get(f"/embed/{board}", {"token": token}) for board in (outside.pk, theirs.pk)]

    assert {a.status_code for a in answers} == {404}
    assert len({a.content for a in answers}) == 1  # the same answer for each
    assert {p.status_code for p in pages} == {404}


def test_an_unpublished_dashboard_of_the_session_is_refused_and_left_out_of_the_list(
    issue, dashboard, second, client, embed_get
):
    token = issue(dashboard_ids=(second.pk,))
    dashboard_unpublish(dashboard=second)

    refused = embed_get(f"/embed/{second.pk}/data", token, period="7d")
    page = client.get(f"/embed/{dashboard.pk}", {"token": token})

    assert refused.status_code == 401 and refused.json()["error"]["code"] == "dashboard_unpublished"
    assert config_of(page)["dashboards"] == []  # one left: no switcher


def test_a_single_use_url_of_a_multi_dashboard_session_still_works(org, dashboard, second, client):
    from embeds.services import Actor, SessionRequest, embed_session_create
    from embeds.tokens import EmbedPermissions

    issued = embed_session_create(
        organization=org.organization,
        request=SessionRequest(
            dashboard_id=dashboard.pk, tenant_id="tenant_a", expires_in=600,
            permissions=EmbedPermissions(), dashboard_ids=(second.pk,), single_use_url=True,
        ),
        actor=Actor(),
    )  # fmt: skip
    code = issued.embed_url.split("?code=")[1]

    exchanged = client.post(
        f"/embed/{dashboard.pk}/session", {"code": code}, content_type="application/json"
    )

    assert exchanged.json() == {"token": issued.token}
    assert client.get(f"/embed/{second.pk}", {"token": issued.token}).status_code == 200
