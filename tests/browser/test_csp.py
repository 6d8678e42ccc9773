"""Every console page (the auth pages and the embed page too) in Debian's Chromium
under its Content-Security-Policy: the policy is sent, and no page breaks it (a violation is a
console error, which fails `browser_page`). The pages come from the console's URL modules, so
a new page is checked without being listed here."""

import importlib
from typing import Any

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import KeyScope, Membership, Role, User
from accounts.services import api_key_create, invite_create, organization_create
from alerts.services import alert_rule_create
from core.ids import new_id
from dashboards.services import dashboard_create, dashboard_publish
from embeds.services import Actor, SessionRequest, embed_session_create
from embeds.tokens import EmbedPermissions
from tests.factories import event, insert, spec, widget

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONSOLE_URL_MODULES = (
    "console.accounts.urls",
    "console.dashboards.urls",
    "console.embeds.urls",
    "console.alerts.urls",
    "console.subscriptions.urls",
    "console.usage.urls",
)
PASSWORD = "pw-Strong-123"
INLINE_SCRIPT = """() => [
    ...[...document.querySelectorAll("*")].flatMap(el => [...el.attributes]
        .filter(a => a.name.startsWith("on") || a.value.trim().startsWith("javascript:"))
        .map(a => el.tagName + "[" + a.name + "]")),
    ...[...document.querySelectorAll("script:not([src])")]
        .filter(s => s.type !== "application/json").map(() => "<script>"),
]"""


def _world() -> dict[str, Any]:
    """An organization with something behind every kind of console page."""
    created = organization_create(
        name="CSP Inc", owner_email=f"{new_id('u')}@example.com", owner_password=PASSWORD
    )
    organization, owner = created.organization, created.owner
    owner.is_staff = owner.is_superuser = True  # the admin pages too
    owner.save()
    insert(
        event(org_id=organization.pk, tenant_id="acme", string_props={"model": "m1"})
        for _ in range(5)
    )
    dashboard = dashboard_create(
        organization=organization,
        spec=spec(
            "Usage",
            widgets=[
                widget("w_calls", title="Calls"),
                widget(
                    "w_models",
                    title="Models",
                    kind="breakdown",
                    chart="bar",
                    group_by=["model"],
                    limit=5,
                    layout={"x": 3, "y": 0, "w": 6, "h": 4},
                ),
            ],
        ),
    )
    dashboard_publish(dashboard=dashboard)
    rule = alert_rule_create(
        organization=organization,
        name="Busy",
        dashboard_id=dashboard.pk,
        widget_id="w_calls",
        operator="gt",
        threshold_value=1,
        window="1h",
        email_to=["ops@example.com"],
    )
    key = api_key_create(organization=organization, scope=KeyScope.READ, name="read")
    member = User.objects.create_user(f"{new_id('u')}@example.com", PASSWORD)
    membership = Membership.objects.create(user=member, organization=organization, role=Role.MEMBER)
    invite = invite_create(
        organization=organization,
        email="new@example.com",
        role=Role.MEMBER,
        actor_role=Role.OWNER,
        invited_by=owner,
    )
    Client().post(
        "/app/register",
        {"organization_name": "Pending", "email": "pending@example.com", "password": PASSWORD},
    )
    lines = mail.outbox[-1].body.splitlines()
    confirm = next(line for line in lines if "/register/confirm/" in line)
    embed = embed_session_create(
        organization=organization,
        request=SessionRequest(
            dashboard_id=dashboard.pk,
            tenant_id="acme",
            expires_in=3600,
            permissions=EmbedPermissions(allowed_periods=("24h", "7d")),
        ),
        actor=Actor(),
    )
    return {
        "owner": owner,
        "kwargs": {
            "dashboard_id": dashboard.pk,
            "widget_id": "w_calls",
            "rule_id": rule.pk,
            "key_id": key.key.pk,
            "membership_id": membership.pk,
            "invite_id": invite.invite.pk,
            # Their pages are POST-only actions (a GET is a 405, skipped): any id reverses.
            "variant_id": "dv_absent",
            "subscription_id": "sub_absent",
        },
        "uidb64": urlsafe_base64_encode(force_bytes(owner.pk)),
        "tokens": {
            "console:password_reset_confirm": default_token_generator.make_token(owner),
            "console:invite_accept": invite.token,
            "console:register_confirm": confirm.rsplit("/", 1)[1],
        },
        "embed_url": embed.embed_url,
    }


def _console_urls(world: dict[str, Any]) -> list[str]:
    urls = []
    for module_name in CONSOLE_URL_MODULES:
        module = importlib.import_module(module_name)
        for pattern in module.urlpatterns:
            name = f"{module.app_name}:{pattern.name}"
            kwargs = {
                key: world["tokens"][name] if key == "token" else world["kwargs"][key]
                for key in pattern.pattern.converters
                if key != "uidb64"
            }
            if "uidb64" in pattern.pattern.converters:
                kwargs["uidb64"] = world["uidb64"]
            urls.append(reverse(name, kwargs=kwargs))
    return urls


def _visit(page: Any, url: str) -> int:
    response = page.goto(url)
    page.wait_for_load_state("networkidle")
    if response.status != 405 and "text/html" in response.headers.get("content-type", ""):
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy and "unsafe-eval" not in policy, url
        assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";")[0], url
        # The policy would refuse them only when they run: none may be on the page at all.
        inline = page.evaluate(INLINE_SCRIPT)
        assert not inline, f"{url} has inline script: {inline}"
    return response.status


def test_no_page_breaks_its_content_security_policy(browser_page, live_server) -> None:
    page, base = browser_page, live_server.url
    world = _world()
    for url in ["/app/login", "/app/register", "/app/password-reset"]:
        assert _visit(page, base + url) == 200, url

    page.goto(base + "/app/login")
    page.locator("#id_username").fill(world["owner"].email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/app/**")

    probe = Client()
    probe.force_login(world["owner"])
    visited = []
    for url in _console_urls(world):
        if probe.get(url).status_code == 405:
            continue  # a POST-only action
        status = _visit(page, base + url)
        assert status < 500, url
        if status == 400:  # a bare GET of a fragment that needs parameters (preview values)
            page.js_errors.remove(
                "Failed to load resource: the server responded with a status of 400 (Bad Request)"
            )
        visited.append(url)
    assert len(visited) >= 15, visited
    # The builder's preview reloads on its own controls (a named event, not an eval'd filter).
    page.goto(
        base + reverse("dash:builder", kwargs={"dashboard_id": world["kwargs"]["dashboard_id"]})
    )
    page.wait_for_selector(".preview-grid .tile")
    with page.expect_response(lambda response: "/preview" in response.url):
        page.locator("#preview-period").select_option(index=1)

    # The embed page keeps its own policy: the organization's frame-ancestors.
    response = page.goto(world["embed_url"].replace("http://testserver", base))
    page.wait_for_selector(".sl-kpi-value")
    assert "frame-ancestors 'self'" in response.headers["content-security-policy"]
