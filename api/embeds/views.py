"""The embeds JSON API (admin key): sessions, revocation, signing keys. Thin: parse, call a
service, shape the answer."""

from typing import Any

from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.embeds.fast import session_request_fast
from api.embeds.serializers import EmbedSessionCreateSerializer, RevokeSessionsSerializer
from embeds import services
from embeds.models import EmbedSigningKey
from embeds.selectors import embed_signing_key_active, embed_signing_keys_list
from interface.requests import request_organization
from interface.serializers import StrictSerializer


def _actor(request: Request) -> services.Actor:
    return services.Actor(api_key=request.auth, ip=request.META.get("REMOTE_ADDR"))


def _key_out(key: EmbedSigningKey, active_id: str | None) -> dict[str, Any]:
    """A signing key as the API shows it: never the secret."""
    return {
        "id": key.pk,
        "active": key.pk == active_id,
        "created_at": key.created_at,
        "retired_at": key.retired_at,
    }


def _validated(serializer_class: type[StrictSerializer], request: Request) -> StrictSerializer:
    serializer = serializer_class(data=request.data if isinstance(request.data, dict) else None)
    serializer.is_valid(raise_exception=True)
    return serializer


class EmbedSessionCreateView(APIView):
    def post(self, request: Request) -> Response:
        session_request = session_request_fast(request.data)
        if session_request is None:  # not the common shape: the serializer names every error
            session_request = _validated(EmbedSessionCreateSerializer, request).to_request()
        issued = services.embed_session_create(
            organization=request_organization(request),
            request=session_request,
            actor=_actor(request),
        )
        body = {
            "token": issued.token,
            "embed_url": issued.embed_url,
            "expires_at": issued.expires_at,
            "session_id": issued.claims.jti,  # what the revoke routes take
        }
        return Response(body, status=status.HTTP_201_CREATED)


class EmbedSessionRevokeView(APIView):
    def post(self, request: Request, jti: str) -> Response:
        services.embed_session_revoke(
            organization=request_organization(request), jti=jti, actor=_actor(request)
        )
        return Response({"revoked": "session", "jti": jti})


class EmbedSessionsRevokeView(APIView):
    def post(self, request: Request) -> Response:
        data = _validated(RevokeSessionsSerializer, request).validated_data
        organization, actor = request_organization(request), _actor(request)
        if data["all"]:
            services.embed_sessions_revoke_all(organization=organization, actor=actor)
            return Response({"revoked": "organization"})
        services.embed_sessions_revoke_tenant(
            organization=organization, tenant_id=data["tenant_id"], actor=actor
        )
        return Response({"revoked": "tenant", "tenant_id": data["tenant_id"]})


class EmbedKeyListView(APIView):
    def get(self, request: Request) -> Response:
        organization = request_organization(request)
        active = embed_signing_key_active(organization=organization)
        active_id = active.pk if active else None
        return Response(
            {
                "results": [
                    _key_out(k, active_id)
                    for k in embed_signing_keys_list(organization=organization)
                ]
            }
        )


class EmbedKeyRotateView(APIView):
    def post(self, request: Request) -> Response:
        key = services.embed_signing_key_rotate(
            organization=request_organization(request), actor=_actor(request)
        )
        return Response(_key_out(key, key.pk), status=status.HTTP_201_CREATED)


class EmbedKeyRetireView(APIView):
    def post(self, request: Request, kid: str) -> Response:
        organization = request_organization(request)
        key = services.embed_signing_key_retire(
            organization=organization, key_id=kid, actor=_actor(request)
        )
        active = embed_signing_key_active(organization=organization)
        return Response(_key_out(key, active.pk if active else None))
