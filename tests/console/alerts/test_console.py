"""The /app/alerts console pages: list, create/edit form, history, enable/disable, test, delete."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from accounts.models import Membership, Role, User
from alerts.models import AlertRule
from core.ids import new_id
from tests.factories import event, insert

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def owner(org) -> Client:
    return signed_in(org.owner)


@pytest.fixture
def member(org) -> Client:
    user = User.objects.create_user(f"{new_id('u')}@example.com", "pw-Strong-123")
    Membership.objects.create(user=user, organization=org.organization, role=Role.MEMBER)
    return signed_in(user)


def form_data(dashboard, receiver, **changes) -> dict:
    return {
        "name": "Errors",
        "target": f"{dashboard.pk}:w_errors",
        "operator": "gte",
        "threshold_value": "5",
        "window": "15m",
        "tenant_id": "",
        "webhook_url": receiver.url,
        "email_to": "ops@example.com",
        "renotify_minutes": "",
        "enabled": "on",
        **changes,
    }


def test_list_shows_rules_with_their_status(owner, make_rule) -> None:
    make_rule("gt", 3, name="Many calls")
    make_rule("gt", 3, name="Off", enabled=False)

    page = owner.get("/app/alerts")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Many calls" in html and "Usage" in html and "value &gt; 3" in html
    assert "Disabled" in html and 'href="/app/alerts"' in html


def test_new_form_offers_published_widgets(owner, dashboard) -> None:
    page = owner.get("/app/alerts/new")

    html = page.content.decode()
    assert page.status_code == 200
    assert f'value="{dashboard.pk}:w_errors"' in html and "Errors (count)" in html


def test_create_from_the_form(owner, dashboard, receiver) -> None:
    response = owner.post("/app/alerts/new", form_data(dashboard, receiver))

    assert response.status_code == 302 and response["Location"] == "/app/alerts"
    rule = AlertRule.objects.get()
    assert (rule.dashboard_id, rule.widget_id, rule.operator) == (dashboard.pk, "w_errors", "gte")
    assert (rule.threshold_value, rule.window, rule.email_to) == (5.0, "15m", ["ops@example.com"])


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"webhook_url": "", "email_to": ""}, "Give a webhook URL or at least one e-mail address."),
        ({"webhook_url": "ftp://example.com"}, "Only http and https URLs are allowed."),
        ({"email_to": "ops@example.com, nope"}, "is not a valid e-mail address."),
        ({"threshold_value": "lots"}, "Enter a number."),
        ({"target": "dash_nope:w_errors"}, "Select a valid choice."),
    ],
)
def test_bad_form_input_shows_errors_and_saves_nothing(
    owner, dashboard, receiver, changes, message
) -> None:
    response = owner.post("/app/alerts/new", form_data(dashboard, receiver, **changes))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AlertRule.objects.exists()


def test_edit_form(owner, make_rule, dashboard, receiver) -> None:
    rule = make_rule("gt", 3)
    page = owner.get(f"/app/alerts/{rule.pk}")
    assert page.status_code == 200 and 'value="Too many calls"' in page.content.decode()

    response = owner.post(
        f"/app/alerts/{rule.pk}",
        form_data(dashboard, receiver, name="Renamed", target=f"{dashboard.pk}:w_calls"),
    )

    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.name, rule.widget_id) == ("Renamed", "w_calls")


def test_toggle_swaps_the_row(owner, make_rule) -> None:
    rule = make_rule("gt", 3)

    response = owner.post(f"/app/alerts/{rule.pk}/toggle", headers=HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith(f'<tr id="alert-{rule.pk}"') and "Enable" in html
    rule.refresh_from_db()
    assert rule.enabled is False


def test_delete_removes_the_row(owner, make_rule) -> None:
    rule = make_rule("gt", 3)

    response = owner.post(f"/app/alerts/{rule.pk}/delete", headers=HTMX)

    assert response.status_code == 200 and response.content == b""
    assert not AlertRule.objects.exists()


def test_send_test_shows_the_outcome(owner, make_rule, receiver) -> None:
    rule = make_rule("gt", 3)

    response = owner.post(f"/app/alerts/{rule.pk}/test", headers=HTMX)

    assert "Test sent." in response.content.decode()
    assert receiver.payloads()[0]["test"] is True


def test_history_shows_states_evaluations_and_attempts(
    owner, org, make_rule, receiver, clock
) -> None:
    rule = make_rule("gt", 1)
    at = datetime.now(UTC) - timedelta(minutes=1)
    insert(event(org_id=org.organization.pk, tenant_id="acme", timestamp=at) for _ in range(3))
    receiver.reply(502)
    clock.tick()

    page = owner.get(f"/app/alerts/{rule.pk}/history")

    html = page.content.decode()
    assert page.status_code == 200
    assert "<code>acme</code>" in html and "ok →" in html
    assert "HTTP 502" in html and "HTTP 200" in html


def test_members_read_but_cannot_change(member, make_rule) -> None:
    rule = make_rule("gt", 3)

    assert member.get("/app/alerts").status_code == 200
    assert member.get(f"/app/alerts/{rule.pk}/history").status_code == 200
    assert member.post(f"/app/alerts/{rule.pk}/toggle").status_code == 403
    assert member.post(f"/app/alerts/{rule.pk}/delete").status_code == 403
    assert AlertRule.objects.get().enabled is True


def test_another_organizations_alert_is_404(other_org, make_rule) -> None:
    rule = make_rule("gt", 3)
    stranger = signed_in(other_org.owner)

    assert stranger.get(f"/app/alerts/{rule.pk}").status_code == 404
    assert stranger.get(f"/app/alerts/{rule.pk}/history").status_code == 404
    assert stranger.post(f"/app/alerts/{rule.pk}/delete").status_code == 404
    assert AlertRule.objects.filter(pk=rule.pk).exists()
    assert rule.name not in stranger.get("/app/alerts").content.decode()


def test_anonymous_is_sent_to_login(client) -> None:
    response = client.get("/app/alerts")

    assert response.status_code == 302 and response["Location"].startswith("/app/login")
