"""The embeds JSON API (admin key): sessions, revocation, signing keys. Thin: parse, call a
service or selector, shape the answer."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.embeds.fast import session_request_fast
from api.embeds.serializers import (
    EmbedKeyListOutput,
    EmbedKeyOutput,
    EmbedSessionCreatedOutput,
    EmbedSessionCreateSerializer,
    EmbedSessionOutput,
    RevokedOutput,
    RevokeSessionsSerializer,
    SessionListQuerySerializer,
)
from api.openapi.docs import NO_CONTENT, path_param
from api.throttles import ApiKeyThrottle
from embeds import services
from embeds.models import EmbedSigningKey
from embeds.selectors import embed_sessions_list, embed_signing_key_active, embed_signing_keys_list
from interface.requests import request_organization
from interface.serializers import StrictSerializer

SESSION_ID = path_param("id", "The session's id (`session_id` of the create response).")
SESSIONS = ["embed sessions"]
KEYS = ["embed keys"]


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


def _validated(serializer_class: type[StrictSerializer], data: Any) -> StrictSerializer:
    serializer = serializer_class(data=data if isinstance(data, dict) else None)
    serializer.is_valid(raise_exception=True)
    return serializer


class EmbedSessionListCreateView(GenericAPIView):
    def get_throttles(self) -> list:
        """Listing is throttled per key; issuing sessions is the hot path, never throttled."""
        return [ApiKeyThrottle()] if self.request.method == "GET" else []

    @extend_schema(
        operation_id="embed_sessions_list",
        tags=SESSIONS,
        summary="List embed sessions",
        description="Newest first. Active ones only unless `active=false`; filter by tenant.",
        parameters=[SessionListQuerySerializer],
        responses=EmbedSessionOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        query = _validated(SessionListQuerySerializer, request.query_params.dict()).validated_data
        sessions = embed_sessions_list(
            organization=request_organization(request),
            tenant_id=query.get("tenant_id"),
            active_only=query["active"],
        )
        page = self.paginate_queryset(sessions)
        return self.get_paginated_response(EmbedSessionOutput(page, many=True).data)

    @extend_schema(
        operation_id="embed_sessions_create",
        tags=SESSIONS,
        summary="Create an embed session",
        description=(
            "A signed token for one tenant and one published dashboard (or one of its widgets "
            "with `widget_id`), and the URL of its embed page. With `single_use_url: true` the "
            "URL carries a single-use code instead of the token."
        ),
        request=EmbedSessionCreateSerializer,
        responses={201: EmbedSessionCreatedOutput},
    )
    def post(self, request: Request) -> Response:
        session_request = session_request_fast(request.data)
        if session_request is None:  # not the common shape: the serializer names every error
            session_request = _validated(EmbedSessionCreateSerializer, request.data).to_request()
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
            "dashboard_ids": list(issued.claims.dashboard_ids),
        }
        return Response(body, status=status.HTTP_201_CREATED)


class EmbedSessionDetailView(APIView):
    @extend_schema(
        operation_id="embed_sessions_delete",
        tags=SESSIONS,
        summary="Revoke one embed session",
        description="The session stops working at once. Another organization's id is a 404.",
        parameters=[SESSION_ID],
        responses=NO_CONTENT,
    )
    def delete(self, request: Request, pk: str) -> Response:
        services.embed_session_revoke(
            organization=request_organization(request), jti=pk, actor=_actor(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmbedSessionRevokeView(APIView):
    @extend_schema(
        operation_id="embed_sessions_revoke",
        tags=SESSIONS,
        summary="Revoke one embed session (same as DELETE /v1/embed-sessions/{id})",
        parameters=[SESSION_ID],
        request=None,
        responses=RevokedOutput,
    )
    def post(self, request: Request, pk: str) -> Response:
        services.embed_session_revoke(
            organization=request_organization(request), jti=pk, actor=_actor(request)
        )
        return Response({"revoked": "session", "jti": pk})


class EmbedSessionsRevokeView(APIView):
    @extend_schema(
        operation_id="embed_sessions_revoke_many",
        tags=SESSIONS,
        summary="Revoke every session of a tenant, or all of the organization's",
        request=RevokeSessionsSerializer,
        responses=RevokedOutput,
    )
    def post(self, request: Request) -> Response:
        data = _validated(RevokeSessionsSerializer, request.data).validated_data
        organization, actor = request_organization(request), _actor(request)
        if data["all"]:
            services.embed_sessions_revoke_all(organization=organization, actor=actor)
            return Response({"revoked": "organization"})
        services.embed_sessions_revoke_tenant(
            organization=organization, tenant_id=data["tenant_id"], actor=actor
        )
        return Response({"revoked": "tenant", "tenant_id": data["tenant_id"]})


class EmbedKeyListView(APIView):
    @extend_schema(
        operation_id="embed_keys_list",
        tags=KEYS,
        summary="List the signing keys",
        responses=EmbedKeyListOutput,
    )
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
    @extend_schema(
        operation_id="embed_keys_rotate",
        tags=KEYS,
        summary="Rotate: a new key signs from now on, older ones keep verifying",
        request=None,
        responses={201: EmbedKeyOutput},
    )
    def post(self, request: Request) -> Response:
        key = services.embed_signing_key_rotate(
            organization=request_organization(request), actor=_actor(request)
        )
        return Response(_key_out(key, key.pk), status=status.HTTP_201_CREATED)


class EmbedKeyRetireView(APIView):
    @extend_schema(
        operation_id="embed_keys_retire",
        tags=KEYS,
        summary="Retire a key: the sessions it signed stop at once",
        parameters=[path_param("kid", "The signing key's id.")],
        request=None,
        responses=EmbedKeyOutput,
    )
    def post(self, request: Request, kid: str) -> Response:
        organization = request_organization(request)
        key = services.embed_signing_key_retire(
            organization=organization, key_id=kid, actor=_actor(request)
        )
        active = embed_signing_key_active(organization=organization)
        return Response(_key_out(key, active.pk if active else None))
