from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

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
