from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from accounts.selectors import memberships_for_user


def organization(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    return {
        "current_organization": getattr(request, "organization", None),
        "current_membership": getattr(request, "membership", None),
        # The org switcher's choices, one query, only when a template renders them.
        "user_memberships": SimpleLazyObject(
            lambda: memberships_for_user(user=user) if signed_in else []
        ),
    }
