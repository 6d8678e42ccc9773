"""No console page can forget its guard: every /app/ view is wrapped by console_view (or is on
the short list of pages for signed-out people), and each one sends a signed-out visitor to the
login page."""

import importlib

import pytest
from django.urls import URLPattern, reverse

CONSOLE_URL_MODULES = (
    "console.accounts.urls",
    "console.dashboards.urls",
    "console.embeds.urls",
    "console.alerts.urls",
)
PUBLIC = {
    "console:home",  # redirects by state
    "console:register",
    "console:register_sent",
    "console:register_confirm",  # the token is the credential
    "console:login",
    "console:logout",
    "console:password_reset",
    "console:password_reset_done",
    "console:password_reset_confirm",
    "console:password_reset_complete",
    "console:invite_accept",  # the token is the credential
    "console:org_new",  # login_required: a user without any organization creates one here
    "console:org_switch",  # login_required: checks the membership itself
}


def console_patterns() -> list[tuple[str, URLPattern]]:
    found = []
    for module_name in CONSOLE_URL_MODULES:
        module = importlib.import_module(module_name)
        found += [(f"{module.app_name}:{p.name}", p) for p in module.urlpatterns]
    return found


@pytest.mark.parametrize(
    ("name", "pattern"), console_patterns(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_console_view_is_guarded(name: str, pattern: URLPattern) -> None:
    if name in PUBLIC:
        return
    assert hasattr(pattern.callback, "console_write_role"), f"{name} is not wrapped by console_view"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "pattern"), console_patterns(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_signed_out_visitors_go_to_login(client, name: str, pattern: URLPattern) -> None:
    if name in PUBLIC:
        return
    kwargs = {key: "x_123" for key in pattern.pattern.converters}
    kwargs.update(
        {key: 1 for key, conv in pattern.pattern.converters.items() if conv.regex == "[0-9]+"}
    )
    url = reverse(name, kwargs=kwargs)
    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code == 302 and response["Location"].startswith("/app/login"), url
