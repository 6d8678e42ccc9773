"""Who may do what in the console, enforced on the server for every console view.

`console_view` wraps a view: it requires a signed-in user with a current organization (else the
login page, or creating one), lets `read_role` (every member by default) use GET, HEAD and
OPTIONS, and requires `write_role` (admin by default) for any other method. The account services
that take an `actor_role` check it again. ApiErrors raised by selectors and services become the
matching console page (400 / 403 / 404), or a toast for an HTMX request.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import redirect, render

from accounts.models import Role, role_allows
from core.errors import ApiError, Forbidden
from core.ratelimit import parse_rate, rate_limit_check
from interface.requests import ConsoleRequest

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

View = Callable[..., HttpResponse]


def has_role(request: ConsoleRequest, role: str) -> bool:
    membership = getattr(request, "membership", None)
    return membership is not None and role_allows(membership.role, role)


def actor_role(request: ConsoleRequest) -> str:
    return request.membership.role


def error_page(request: ConsoleRequest, error: ApiError) -> HttpResponse:
    if not request.htmx:
        response = render(request, "console/error.html", {"error": error}, status=error.status)
    else:
        response = render(
            request, "console/partials/error.html", {"error": error}, status=error.status
        )
        response["HX-Retarget"] = "#toasts"  # an HTMX action that fails shows a toast
        response["HX-Reswap"] = "innerHTML"
    for name, value in error.headers.items():  # e.g. a 429's Retry-After
        response[name] = value
    return response


def throttle_queries(request: ConsoleRequest) -> None:
    """A console page or fragment that reads the warehouse (the builder's preview and its
    pickers, the Usage page): settings.CONSOLE_QUERY_RATE_LIMIT per user and organization,
    counted like every other limit (core.ratelimit). Over it, RateLimited: console_view
    answers 429 with Retry-After."""
    rate_limit_check(
        bucket=f"console:queries:{request.organization.pk}:{request.user.pk}",
        rate=parse_rate(settings.CONSOLE_QUERY_RATE_LIMIT),
    )


def console_view(
    view: View | None = None, *, write_role: str = Role.ADMIN, read_role: str = Role.MEMBER
) -> Any:
    def decorate(func: View) -> View:
        @wraps(func)
        def wrapper(request: ConsoleRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.organization is None:
                return redirect("console:org_new")
            needed = read_role if request.method in READ_METHODS else write_role
            try:
                if not has_role(request, needed):
                    raise Forbidden(_forbidden_message(needed))
                return func(request, *args, **kwargs)
            except ApiError as error:  # 403, 404, and 400 for input no form could catch
                return error_page(request, error)

        # Marks the view as guarded; tests/console/test_every_page_guarded.py checks all /app/.
        wrapper.console_write_role = write_role  # type: ignore[attr-defined]
        return wrapper

    return decorate(view) if view is not None else decorate


def _forbidden_message(role: str) -> str:
    if role == Role.OWNER:
        return "Only an owner of this organization can do this."
    return "Your role is read-only here; ask an admin or an owner of this organization."
