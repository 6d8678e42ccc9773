"""One permission class per API key scope. An admin key may do everything."""

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from accounts.models import ApiKey, KeyScope


class _ScopePermission(BasePermission):
    allowed_scopes: frozenset[str] = frozenset()
    message = "This API key's scope does not allow this call."

    def has_permission(self, request: Request, view: object) -> bool:
        key = request.auth
        if not isinstance(key, ApiKey):
            return False  # DRF answers 401 for unauthenticated requests, 403 otherwise
        return key.scope in self.allowed_scopes


class AdminScope(_ScopePermission):
    allowed_scopes = frozenset({KeyScope.ADMIN})
    message = "This call needs an API key with the admin scope."


class IngestScope(_ScopePermission):
    allowed_scopes = frozenset({KeyScope.ADMIN, KeyScope.INGEST})
    message = "Sending events needs an API key with the ingest or admin scope."


class ReadScope(_ScopePermission):
    allowed_scopes = frozenset({KeyScope.ADMIN, KeyScope.READ})
    message = "This call needs an API key with the read or admin scope."


class ReadScopeForReads(BasePermission):
    """Reads (GET, HEAD, OPTIONS) with a read or admin key; every write needs an admin key.
    For the dashboard and discovery routes a backend calls to fetch data for its own views."""

    message = AdminScope.message

    def has_permission(self, request: Request, view: object) -> bool:
        if request.method in SAFE_METHODS:
            return ReadScope().has_permission(request, view)
        return AdminScope().has_permission(request, view)
