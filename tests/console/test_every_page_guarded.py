"""No console page can forget its guard: every console route - found by walking the project's
URL resolver, so a new URL module is covered without being listed - is wrapped by console_view
(or is on the short list of pages for signed-out people), and each one sends a signed-out
visitor to the login page."""

import re
import uuid
from dataclasses import dataclass

import pytest
from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver, include, path
from django.urls.resolvers import RoutePattern

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
CONSOLE_PREFIX = "app/"


@dataclass(frozen=True)
class Route:
    name: str  # namespaced ("dash:builder"); the route itself when the pattern has no name
    route: str  # the full path() route, e.g. "app/dashboards/<str:dashboard_id>"
    pattern: URLPattern

    @property
    def guarded(self) -> bool:
        return hasattr(self.pattern.callback, "console_write_role")

    def sample_url(self) -> str:
        """The route with a sample value for each converter."""

        def sample(match: re.Match[str]) -> str:
            converter = match.group(1) or "str"
            return {"int": "1", "uuid": str(uuid.UUID(int=1))}.get(converter, "x_123")

        return "/" + re.sub(r"<(?:(\w+):)?\w+>", sample, self.route)


def console_routes(urlconf: str | None = None) -> list[Route]:
    """Every route under /app/ or served by a view of the console package."""
    found: list[Route] = []

    def walk(patterns: list, prefix: str, namespace: str) -> None:
        for entry in patterns:
            assert isinstance(entry.pattern, RoutePattern) or not (
                prefix.startswith(CONSOLE_PREFIX)
            ), f"{prefix}{entry.pattern}: console routes use path(), which this walk reads"
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, prefix + str(entry.pattern), inner)
                continue
            route = prefix + str(entry.pattern)
            module = getattr(entry.callback, "__module__", "") or ""
            if route.startswith(CONSOLE_PREFIX) or module.startswith("console."):
                name = f"{namespace}{entry.name}" if entry.name else route
                found.append(Route(name=name, route=route, pattern=entry))

    walk(get_resolver(urlconf).url_patterns, "", "")
    return found


ROUTES = console_routes()
GUARDED = [route for route in ROUTES if route.name not in PUBLIC]


def test_the_walk_finds_every_console_package() -> None:
    namespaces = {route.name.split(":")[0] for route in ROUTES}
    assert {"console", "dash", "embeds_console"} <= namespaces, namespaces
    assert any(route.route.startswith("app/alerts") for route in ROUTES)
    assert len(GUARDED) >= 30  # today's console; a walk that finds little is a broken walk


def test_the_public_list_names_only_routes_that_exist() -> None:
    assert PUBLIC <= {route.name for route in ROUTES}


@pytest.mark.parametrize("route", GUARDED, ids=lambda route: route.name)
def test_console_view_is_guarded(route: Route) -> None:
    assert route.guarded, f"{route.name} is not wrapped by console_view"


@pytest.mark.django_db
@pytest.mark.parametrize("route", GUARDED, ids=lambda route: route.name)
def test_signed_out_visitors_go_to_login(client, route: Route) -> None:
    url = route.sample_url()
    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code == 302 and response["Location"].startswith("/app/login"), url


# --- The walk itself: a console module nobody listed is still found -------------------------


def unguarded(request) -> HttpResponse:
    return HttpResponse("secret")


urlpatterns = [
    path(
        "app/",
        include(([path("reports/<int:report_id>", unguarded, name="report")], "reports")),
    ),
    path("", include("config.urls")),
]


def test_a_route_in_a_new_unlisted_module_is_found_and_flagged() -> None:
    routes = {route.name: route for route in console_routes(__name__)}
    report = routes["reports:report"]
    assert report.sample_url() == "/app/reports/1"
    assert not report.guarded
    assert set(routes) >= {route.name for route in ROUTES}  # and the real ones still are
