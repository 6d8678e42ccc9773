"""The builder's ratio fields (issue 14, item 3): a widget becomes an error rate through the
form, the spec stores the ratio, and the preview shows it."""

import pytest
from django.core.cache import cache

from dashboards.services import dashboard_create
from tests.factories import event, insert, spec, widget

pytestmark = pytest.mark.django_db


def test_the_form_builds_an_error_rate_and_the_preview_computes_it(org, admin_client, htmx):
    dashboard = dashboard_create(organization=org.organization, spec=spec(widgets=[widget()]))
    insert(
        event(org_id=org.organization.pk, tenant_id="t1", string_props={"status": status})
        for status in ("error", "ok", "ok", "ok")
    )
    cache.clear()
    url = f"/app/dashboards/{dashboard.pk}/widgets/w_calls"
    fields = {
        "title": "Error rate",
        "kind": "kpi",
        "chart": "stat",
        "event_name": "api.call",
        "metric": "ratio",
        "numerator_metric": "count",
        "numerator_filters": "status = error",
        "denominator_metric": "count",
        "x": 0, "y": 0, "w": 3, "h": 2,
    }  # fmt: skip
    refreshed = admin_client.post(url, {**fields, "_refresh": "1"}, headers=htmx)
    assert 'name="numerator_metric"' in refreshed.content.decode()  # the ratio fields show
    saved = admin_client.post(url, fields, headers=htmx)
    assert saved.status_code == 200
    dashboard.refresh_from_db()
    stored = dashboard.draft_spec["widgets"][0]
    assert stored["metric"] == "ratio" and stored["property"] is None
    assert stored["ratio"]["numerator"] == {
        "metric": "count",
        "property": None,
        "filters": {"status": "error"},
    }
    preview = admin_client.get(f"/app/dashboards/{dashboard.pk}/preview", {"tenant_id": "t1"})
    assert preview.context["data"]["widgets"][0]["data"]["value"] == 0.25

    bad = admin_client.post(url, {**fields, "numerator_filters": "no equals sign"}, headers=htmx)
    assert bad.status_code == 400 and "numerator_filters" in bad.context["widget_form"].errors
    dashboard.refresh_from_db()
    assert dashboard.draft_spec["widgets"][0]["ratio"]["numerator"]["filters"] == {
        "status": "error"
    }  # nothing changed


def test_the_form_saves_a_number_format(org, admin_client, htmx) -> None:
    dashboard = dashboard_create(organization=org.organization, spec=spec(widgets=[widget()]))
    url = f"/app/dashboards/{dashboard.pk}/widgets/w_calls"
    fields = {
        "title": "Spend",
        "kind": "kpi",
        "chart": "stat",
        "event_name": "api.call",
        "metric": "count",
        "unit": "currency",
        "currency": "eur",
        "decimals": "2",
        "compact": "false",
        "x": 0, "y": 0, "w": 3, "h": 2,
    }  # fmt: skip
    assert admin_client.post(url, fields, headers=htmx).status_code == 200
    dashboard.refresh_from_db()
    assert dashboard.draft_spec["widgets"][0]["format"] == {
        "unit": "currency",
        "currency": "EUR",
        "decimals": 2,
        "compact": False,
        "prefix": "",
        "suffix": "",
    }
    missing = admin_client.post(url, {**fields, "currency": ""}, headers=htmx)
    assert missing.status_code == 400 and "ISO 4217" in missing.content.decode()
    plain = admin_client.post(url, {**fields, "unit": "number", "compact": ""}, headers=htmx)
    assert plain.status_code == 200
    dashboard.refresh_from_db()
    assert dashboard.draft_spec["widgets"][0]["format"]["decimals"] == 2  # decimals stay


def test_a_funnel_is_added_edited_and_previewed(org, admin_client, htmx) -> None:
    from datetime import UTC, datetime, timedelta

    dashboard = dashboard_create(organization=org.organization, spec=spec(widgets=[]))
    now = datetime.now(UTC) - timedelta(hours=2)
    insert(
        event(
            org_id=org.organization.pk,
            tenant_id="t1",
            event_name=name,
            user_id=user,
            timestamp=now + timedelta(minutes=minute),
        )
        for user, names in (
            ("a", ("visit", "signup", "pay")),
            ("b", ("visit", "signup")),
            ("c", ("visit",)),
        )
        for minute, name in enumerate(names)
    )
    cache.clear()
    added = admin_client.post(
        f"/app/dashboards/{dashboard.pk}/widgets", {"kind": "funnel"}, headers=htmx
    )
    assert added.status_code == 200
    dashboard.refresh_from_db()
    funnel = dashboard.draft_spec["widgets"][0]
    assert funnel["kind"] == "funnel" and len(funnel["steps"]) >= 2
    url = f"/app/dashboards/{dashboard.pk}/widgets/{funnel['id']}"
    fields = {
        "title": "Checkout",
        "kind": "funnel",
        "chart": "funnel",
        "event_name": funnel["event_name"],
        "metric": "count_unique",
        "steps": "visit\nsignup\npay",
        "window_minutes": "30",
        "x": 0, "y": 0, "w": 6, "h": 5,
    }  # fmt: skip
    assert admin_client.post(url, fields, headers=htmx).status_code == 200
    dashboard.refresh_from_db()
    saved = dashboard.draft_spec["widgets"][0]
    assert (saved["steps"], saved["window_minutes"], saved["event_name"]) == (
        ["visit", "signup", "pay"],
        30,
        "visit",
    )
    preview = admin_client.get(f"/app/dashboards/{dashboard.pk}/preview", {"tenant_id": "t1"})
    steps = preview.context["data"]["widgets"][0]["data"]["steps"]
    assert [s["users"] for s in steps] == [3, 2, 1]
    bad = admin_client.post(url, {**fields, "steps": "visit"}, headers=htmx)
    assert bad.status_code == 400 and "at least 2 steps" in bad.content.decode()
