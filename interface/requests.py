"""What the front doors know of a request: its type, and the organization acting."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from accounts.models import ApiKey, Membership, Organization
from core.errors import NotFound


class ConsoleRequest(HttpRequest):
    """A console request as its views see it (a type only, never constructed): django-htmx's
    details (`request.htmx`) and the signed-in user's membership and current organization
    (console.middleware.CurrentOrganizationMiddleware; None for anonymous users)."""

    htmx: HtmxDetails
    membership: Membership | None
    organization: Organization | None


def request_organization(request: HttpRequest) -> Organization:
    """The organization acting: an API key's, or the console user's current one. A request
    with neither is a NotFound, like another organization's object."""
    auth = getattr(request, "auth", None)
    organization = (
        auth.organization if isinstance(auth, ApiKey) else getattr(request, "organization", None)
    )
    if organization is None:
        raise NotFound("Not found.")
    return organization
