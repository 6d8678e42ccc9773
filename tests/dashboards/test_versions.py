"""Publishing: immutable versions, unpublish, restore, the version list, the unpublished flag."""

import pytest
from django.contrib.admin.utils import quote

from dashboards.models import Dashboard, DashboardVersion
from dashboards.selectors import dashboard_has_unpublished_changes, published_spec
from dashboards.services import dashboard_create, dashboard_publish, dashboard_update
from tests.factories import spec, widget

pytestmark = pytest.mark.django_db


def create(api, body=None) -> dict:
    response = api.post("/v1/dashboards", body or spec("V1 name"), format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_publish_creates_version_one_with_the_draft(api, org) -> None:
    created = create(api)

    response = api.post(f"/v1/dashboards/{created['id']}/publish")

    assert response.status_code == 201
    body = response.json()
    assert body["published_version"] == 1
    assert body["has_unpublished_changes"] is False
    version = DashboardVersion.objects.get(dashboard_id=created["id"])
    assert (version.number, version.spec) == (1, created["spec"])
    assert version.published_by_key == org.admin_key.key.pk


def test_editing_the_draft_never_changes_the_published_version(api) -> None:
    created = create(api)
    api.post(f"/v1/dashboards/{created['id']}/publish")

    edited = api.patch(
        f"/v1/dashboards/{created['id']}", {"name": "Draft only"}, format="json"
    ).json()

    assert edited["has_unpublished_changes"] is True
    assert edited["published_version"] == 1
    dashboard = Dashboard.objects.get(pk=created["id"])
    assert published_spec(dashboard).name == "V1 name"
    assert DashboardVersion.objects.get(dashboard=dashboard).spec["name"] == "V1 name"


def test_publishing_again_creates_the_next_number(api) -> None:
    created = create(api)
    api.post(f"/v1/dashboards/{created['id']}/publish")
    api.patch(f"/v1/dashboards/{created['id']}", {"name": "Second"}, format="json")

    body = api.post(f"/v1/dashboards/{created['id']}/publish").json()

    assert body["published_version"] == 2
    assert list(
        DashboardVersion.objects.filter(dashboard_id=created["id"]).values_list(
            "number", "spec__name"
        )
    ) == [
        (2, "Second"),
        (1, "V1 name"),
    ]


def test_publishing_with_nothing_changed_returns_the_current_version(api) -> None:
    created = create(api)
    api.post(f"/v1/dashboards/{created['id']}/publish")

    response = api.post(f"/v1/dashboards/{created['id']}/publish")

    assert response.status_code == 200
    assert response.json()["published_version"] == 1
    assert DashboardVersion.objects.filter(dashboard_id=created["id"]).count() == 1


def test_unpublish_stops_serving_and_republish_reuses_the_same_version(api) -> None:
    created = create(api)
    api.post(f"/v1/dashboards/{created['id']}/publish")

    unpublished = api.post(f"/v1/dashboards/{created['id']}/unpublish")

    assert unpublished.status_code == 200
    assert unpublished.json()["published_version"] is None
    assert unpublished.json()["has_unpublished_changes"] is True  # nothing is live
    dashboard = Dashboard.objects.get(pk=created["id"])
    assert dashboard.published_version is None and published_spec(dashboard) is None
    assert api.post(f"/v1/dashboards/{created['id']}/unpublish").status_code == 200  # idempotent

    republished = api.post(f"/v1/dashboards/{created['id']}/publish")

    assert republished.status_code == 200
    assert republished.json()["published_version"] == 1
    assert DashboardVersion.objects.filter(dashboard_id=created["id"]).count() == 1


def test_restore_puts_the_published_spec_back_into_the_draft(api) -> None:
    created = create(api)
    api.post(f"/v1/dashboards/{created['id']}/publish")
    api.patch(
        f"/v1/dashboards/{created['id']}", {"name": "Broken edit", "widgets": []}, format="json"
    )

    response = api.post(f"/v1/dashboards/{created['id']}/restore")

    assert response.status_code == 200
    body = response.json()
    assert body["spec"] == created["spec"]
    assert body["name"] == "V1 name"
    assert body["has_unpublished_changes"] is False
    assert Dashboard.objects.get(pk=created["id"]).draft_spec == created["spec"]


def test_restore_a_chosen_version_number(api) -> None:
    created = create(api)
    api.post(f"/v1/dashboards/{created['id']}/publish")
    api.patch(f"/v1/dashboards/{created['id']}", {"name": "Second"}, format="json")
    api.post(f"/v1/dashboards/{created['id']}/publish")

    body = api.post(f"/v1/dashboards/{created['id']}/restore", {"version": 1}, format="json").json()

    assert body["name"] == "V1 name"
    assert body["published_version"] == 2
    assert body["has_unpublished_changes"] is True


def test_restore_after_unpublish_uses_the_latest_version(api) -> None:
    created = create(api)
    api.post(f"/v1/dashboards/{created['id']}/publish")
    api.post(f"/v1/dashboards/{created['id']}/unpublish")
    api.patch(f"/v1/dashboards/{created['id']}", {"name": "Edited"}, format="json")

    assert api.post(f"/v1/dashboards/{created['id']}/restore").json()["name"] == "V1 name"


def test_restore_of_a_never_published_dashboard_is_a_conflict(api) -> None:
    created = create(api)

    response = api.post(f"/v1/dashboards/{created['id']}/restore")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "never_published"
    assert Dashboard.objects.get(pk=created["id"]).draft_spec == created["spec"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"version": 9}, 404, None),
        ({"version": 0}, 400, "version"),
        ({"versoin": 1}, 400, "versoin"),
    ],
)
def test_restore_refuses_a_bad_version(api, body, status, field) -> None:
    created = create(api)
    api.post(f"/v1/dashboards/{created['id']}/publish")
    api.patch(f"/v1/dashboards/{created['id']}", {"name": "Keep me"}, format="json")

    response = api.post(f"/v1/dashboards/{created['id']}/restore", body, format="json")

    assert response.status_code == status
    if field:
        assert field in {d["field"] for d in response.json()["error"]["details"]}
    assert Dashboard.objects.get(pk=created["id"]).name == "Keep me"


def test_versions_list_numbers_authors_and_the_current_one(api, org) -> None:
    created = create(api)
    dashboard = Dashboard.objects.get(pk=created["id"])
    dashboard_publish(dashboard=dashboard, published_by=org.owner)  # from the console
    api.patch(f"/v1/dashboards/{created['id']}", {"name": "Second"}, format="json")
    api.post(f"/v1/dashboards/{created['id']}/publish")  # from the API

    body = api.get(f"/v1/dashboards/{created['id']}/versions").json()

    assert body["count"] == 2
    assert [(v["number"], v["published_by"], v["is_current"]) for v in body["results"]] == [
        (2, org.admin_key.key.pk, True),
        (1, org.owner.email, False),
    ]
    assert all(v["published_at"] for v in body["results"])


def test_one_version_with_its_spec(api) -> None:
    created = create(api)
    api.post(f"/v1/dashboards/{created['id']}/publish")
    api.patch(f"/v1/dashboards/{created['id']}", {"name": "Second"}, format="json")
    api.post(f"/v1/dashboards/{created['id']}/publish")

    first = api.get(f"/v1/dashboards/{created['id']}/versions/1")
    missing = api.get(f"/v1/dashboards/{created['id']}/versions/3")

    assert first.status_code == 200
    assert first.json()["spec"] == created["spec"]
    assert (first.json()["number"], first.json()["is_current"]) == (1, False)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_versions_are_immutable() -> None:
    version = DashboardVersion(number=1, spec={})
    version.pk = 1

    with pytest.raises(ValueError, match="immutable"):
        version.save()


def test_the_unpublished_flag_follows_the_draft(org) -> None:
    dashboard = dashboard_create(organization=org.organization, spec=spec(widgets=[widget("w_a")]))
    assert dashboard_has_unpublished_changes(dashboard) is True

    dashboard = dashboard_publish(dashboard=dashboard).dashboard
    assert dashboard_has_unpublished_changes(dashboard) is False

    dashboard = dashboard_update(dashboard=dashboard, changes={"widgets": [widget("w_b")]})
    assert dashboard_has_unpublished_changes(dashboard) is True

    dashboard = dashboard_update(dashboard=dashboard, changes={"widgets": [widget("w_a")]})
    assert dashboard_has_unpublished_changes(dashboard) is False  # back to what is published


def test_publish_revalidates_and_refuses_a_draft_that_no_longer_parses(org) -> None:
    from core.errors import InvalidInput

    dashboard = dashboard_create(organization=org.organization, spec=spec())
    Dashboard.objects.filter(pk=dashboard.pk).update(
        draft_spec={"name": "x", "widgets": [{"id": "bad"}]}
    )
    dashboard.refresh_from_db()

    with pytest.raises(InvalidInput):
        dashboard_publish(dashboard=dashboard)

    assert DashboardVersion.objects.filter(dashboard=dashboard).count() == 0


# --- concurrency ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_publishes_of_one_draft_create_one_version(org) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    dashboard = dashboard_create(organization=org.organization, spec=spec())

    def publish(_: int) -> int:
        try:
            return dashboard_publish(
                dashboard=Dashboard.objects.get(pk=dashboard.pk)
            ).version.number
        finally:
            connection.close()  # each thread has its own connection

    with ThreadPoolExecutor(max_workers=4) as pool:
        numbers = list(pool.map(publish, range(8)))

    assert numbers == [1] * 8
    assert DashboardVersion.objects.filter(dashboard=dashboard).count() == 1


# --- Django admin ---------------------------------------------------------------------------------


@pytest.fixture
def staff_client(client, db):
    from accounts.models import User

    admin_user = User.objects.create_superuser("root@example.com", "pw-Strong-123")
    client.force_login(admin_user)
    return client


def test_admin_lists_and_searches_dashboards(staff_client, org) -> None:
    dashboard = dashboard_create(organization=org.organization, spec=spec("Findable board"))
    dashboard_create(organization=org.organization, spec=spec("Other"))
    dashboard_publish(dashboard=dashboard)

    found = staff_client.get("/admin/dashboards/dashboard/", {"q": "Findable"})
    published = staff_client.get("/admin/dashboards/dashboard/", {"published": "yes"})

    assert found.status_code == 200
    assert dashboard.pk in found.content.decode() and "Other" not in found.content.decode()
    assert (
        "Findable board" in published.content.decode() and "Other" not in published.content.decode()
    )
    assert (
        staff_client.get(f"/admin/dashboards/dashboard/{quote(dashboard.pk)}/change/").status_code
        == 200
    )


def test_admin_cannot_change_or_delete_a_published_version(staff_client, org) -> None:
    dashboard = dashboard_create(organization=org.organization, spec=spec("Frozen"))
    version = dashboard_publish(dashboard=dashboard).version
    url = f"/admin/dashboards/dashboardversion/{quote(version.pk)}"

    view = staff_client.get(f"{url}/change/")
    change = staff_client.post(f"{url}/change/", {"number": 7})
    delete = staff_client.post(f"{url}/delete/", {"post": "yes"})

    assert view.status_code == 200 and 'name="_save"' not in view.content.decode()
    assert change.status_code == 403
    assert delete.status_code == 403
    version.refresh_from_db()
    assert version.number == 1
    assert staff_client.get("/admin/dashboards/dashboardversion/add/").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_concurrent_edits_of_different_keys_both_land(org) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    dashboard = dashboard_create(organization=org.organization, spec=spec("Start"))
    edits = [{"name": "Renamed"}, {"theme": {"mode": "dark"}}, {"default_period": "30d"}]
    stale = [Dashboard.objects.get(pk=dashboard.pk) for _ in edits]  # all read before any edit

    def edit(instance: Dashboard, changes: dict) -> None:
        try:
            dashboard_update(dashboard=instance, changes=changes)
        finally:
            connection.close()  # each thread has its own connection

    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(edit, stale, edits))

    final = Dashboard.objects.get(pk=dashboard.pk).draft_spec
    assert (final["name"], final["theme"]["mode"], final["default_period"]) == (
        "Renamed",
        "dark",
        "30d",
    )


def test_a_cached_version_of_another_dashboard_is_never_returned(org):
    """A version id can come back after a rolled-back transaction (SQLite's AUTOINCREMENT
    counter rolls back with it): the per-process cache checks whose version it holds."""
    from dashboards import selectors
    from tests.embeds.conftest import publish

    first, second = publish(org.organization), publish(org.organization)
    mine = selectors.dashboard_version_by_id(
        version_id=second.published_version_id, dashboard_id=second.pk
    )
    selectors._versions[second.published_version_id] = first.published_version  # a reused id
    again = selectors.dashboard_version_by_id(
        version_id=second.published_version_id, dashboard_id=second.pk
    )
    assert again.dashboard_id == second.pk == mine.dashboard_id
