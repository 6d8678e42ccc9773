from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from accounts.models import ApiKey
from accounts.selectors import api_key_for_secret
from accounts.services import api_key_mark_used


class ApiKeyAuthentication(BaseAuthentication):
    """`Authorization: Bearer sl_…`. request.user stays None; request.auth is the ApiKey, and
    request.auth.organization is the caller's organization for every query."""

    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[None, ApiKey] | None:
        parts = get_authorization_header(request).split()
        if not parts:
            return None
        if parts[0].lower() != self.keyword or len(parts) != 2:
            raise AuthenticationFailed("Send the API key as 'Authorization: Bearer <key>'.")
        key = api_key_for_secret(secret=parts[1].decode("latin-1"))
        if key is None:
            raise AuthenticationFailed("The API key is unknown or has been revoked.")
        api_key_mark_used(key=key)
        return (None, key)

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="sightline"'
