"""The members API (admin scope): list members, change roles, remove, invite.

An admin API key acts with the admin role: it manages admins and members, never owners (those
changes stay with an owner in the console). `POST /v1/members/invite` answers 201 with the
invite but never its link: the single-use token travels only in the e-mail to the invitee, so
the API response (often logged by callers) cannot be used to join in the invitee's place.
"""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.models import Invite, Membership, Organization, Role
from api.openapi.docs import NO_CONTENT, path_param
from api.scoping import OrganizationScopedMixin, request_organization
from interface.serializers import StrictCharField, StrictSerializer

MAX_ORIGINS = 100
MEMBERS = ["members"]
MEMBER_ID = path_param("id", "The membership's id.", int)

API_KEY_ROLE = Role.ADMIN


class MemberOutput(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email")
    name = serializers.CharField(source="user.name")
    joined_at = serializers.DateTimeField(source="created_at")

    class Meta:
        model = Membership
        fields = ["id", "email", "name", "role", "joined_at"]


class InviteOutput(serializers.ModelSerializer):
    status = serializers.SerializerMethodField()

    class Meta:
        model = Invite
        fields = ["id", "email", "role", "status", "created_at", "expires_at"]

    def get_status(self, invite: Invite) -> str:
        if invite.accepted_at:
            return "accepted"
        if invite.revoked_at:
            return "revoked"
        return "pending" if invite.is_pending else "expired"


class InviteInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=Role.choices, default=Role.MEMBER)


class RoleInput(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


def _validated(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data if isinstance(data, dict) else None)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class MemberListView(OrganizationScopedMixin, GenericAPIView):
    model = Membership

    def scoped_queryset_filter(self, queryset):
        return queryset.select_related("user").order_by("created_at")

    @extend_schema(
        operation_id="members_list",
        tags=MEMBERS,
        summary="List members",
        responses=MemberOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(MemberOutput(page, many=True).data)


class MemberDetailView(OrganizationScopedMixin, GenericAPIView):
    model = Membership

    def scoped_queryset_filter(self, queryset):
        return queryset.select_related("user")

    @extend_schema(
        operation_id="members_get",
        tags=MEMBERS,
        summary="One member",
        parameters=[MEMBER_ID],
        responses=MemberOutput,
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(MemberOutput(self.get_object()).data)

    @extend_schema(
        operation_id="members_update",
        tags=MEMBERS,
        summary="Change a member's role",
        parameters=[MEMBER_ID],
        request=RoleInput,
        responses=MemberOutput,
    )
    def patch(self, request: Request, pk: int) -> Response:
        data = _validated(RoleInput, request.data)
        membership = services.membership_change_role(
            membership=self.get_object(), role=data["role"], actor_role=API_KEY_ROLE
        )
        return Response(MemberOutput(membership).data)

    @extend_schema(
        operation_id="members_remove",
        tags=MEMBERS,
        summary="Remove a member",
        parameters=[MEMBER_ID],
        responses=NO_CONTENT,
    )
    def delete(self, request: Request, pk: int) -> Response:
        services.membership_remove(membership=self.get_object(), actor_role=API_KEY_ROLE)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InviteCreateView(OrganizationScopedMixin, GenericAPIView):
    model = Invite

    @extend_schema(
        operation_id="members_invite",
        tags=MEMBERS,
        summary="Invite someone by e-mail",
        description="The invite link travels only in the e-mail, never in this response.",
        request=InviteInput,
        responses={201: InviteOutput},
    )
    def post(self, request: Request) -> Response:
        data = _validated(InviteInput, request.data)
        issued = services.invite_create(
            organization=self.organization,
            email=data["email"],
            role=data["role"],
            actor_role=API_KEY_ROLE,
        )
        return Response(InviteOutput(issued.invite).data, status=status.HTTP_201_CREATED)


class InviteListView(OrganizationScopedMixin, GenericAPIView):
    model = Invite

    @extend_schema(
        operation_id="members_invites_list",
        tags=MEMBERS,
        summary="List invites",
        responses=InviteOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset().order_by("-created_at"))
        return self.get_paginated_response(InviteOutput(page, many=True).data)


class InviteDetailView(OrganizationScopedMixin, GenericAPIView):
    model = Invite

    @extend_schema(
        operation_id="members_invites_revoke",
        tags=MEMBERS,
        summary="Revoke an invite",
        parameters=[path_param("id", "The invite's id.")],
        responses=NO_CONTENT,
    )
    def delete(self, request: Request, pk: str) -> Response:
        services.invite_revoke(invite=self.get_object(), actor_role=API_KEY_ROLE)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Organization settings (admin scope) ------------------------------------------------------


class OrganizationOutput(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "allowed_embed_origins", "default_timezone", "retention_days"]


class OrganizationInput(StrictSerializer):
    """PATCH: any of the settings; the rules are organization_update's, as in the console."""

    name = StrictCharField(required=False, max_length=120, allow_blank=True)
    allowed_embed_origins = serializers.ListField(
        child=StrictCharField(max_length=200), required=False, max_length=MAX_ORIGINS
    )
    default_timezone = StrictCharField(required=False, max_length=64)
    retention_days = serializers.IntegerField(required=False)

    def validate_retention_days(self, value: Any) -> int:
        if isinstance(self.initial_data.get("retention_days"), bool):
            raise serializers.ValidationError("A valid integer is required.")
        return value


class OrganizationView(APIView):
    @extend_schema(
        operation_id="organization_get",
        tags=["organization"],
        summary="The key's organization settings",
        responses=OrganizationOutput,
    )
    def get(self, request: Request) -> Response:
        return Response(OrganizationOutput(request_organization(request)).data)

    @extend_schema(
        operation_id="organization_update",
        tags=["organization"],
        summary="Change organization settings",
        description=(
            "Send only the settings to change. `allowed_embed_origins` replaces the list: "
            "`scheme://host[:port]` each, the sites that may frame embeds (the pages' "
            "frame-ancestors) and call the embed data endpoints. Invalid input changes nothing."
        ),
        request=OrganizationInput,
        responses=OrganizationOutput,
    )
    def patch(self, request: Request) -> Response:
        organization = request_organization(request)
        changes = _validated(OrganizationInput, request.data)
        current = OrganizationOutput(organization).data
        services.organization_update(
            organization=organization,
            actor_role=API_KEY_ROLE,
            name=changes.get("name", current["name"]),
            allowed_embed_origins=changes.get(
                "allowed_embed_origins", current["allowed_embed_origins"]
            ),
            default_timezone=changes.get("default_timezone", current["default_timezone"]),
            retention_days=changes.get("retention_days", current["retention_days"]),
        )
        return Response(OrganizationOutput(organization).data)
