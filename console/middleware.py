from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.urls import Resolver404, resolve

from accounts.selectors import membership_get, memberships_for_user

SESSION_ORG_KEY = "sightline_org_id"


class CurrentOrganizationMiddleware:
    """For console users: request.membership and request.organization of the organization
    chosen in the session (the first one by default). Both are None for anonymous users."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None
        request.organization = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            membership = None
            chosen = request.session.get(SESSION_ORG_KEY)
            if chosen:
                membership = membership_get(user=user, organization=chosen)
            if membership is None:
                memberships = memberships_for_user(user=user)
                membership = memberships[0] if memberships else None
            if membership is not None:
                request.membership = membership
                request.organization = membership.organization
        return self.get_response(request)


class TrailingSlashMiddleware:
    """Console URLs have no trailing slash: a typed or pasted one (`/app/dashboards/`) that would
    be a 404 redirects to the page without it. (APPEND_SLASH does the opposite, for the admin.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        path = request.path_info
        if response.status_code != 404 or not path.startswith("/app/") or not path.endswith("/"):
            return response
        target = path.rstrip("/")
        try:
            resolve(target)
        except Resolver404:
            return response
        query = request.META.get("QUERY_STRING", "")
        return HttpResponsePermanentRedirect(f"{target}?{query}" if query else target)
