"""The members API (admin scope): list members, change roles, remove, invite.

An admin API key acts with the admin role: it manages admins and members, never owners (those
changes stay with an owner in the console). `POST /v1/members/invite` answers 201 with the
invite but never its link: the single-use token travels only in the e-mail to the invitee, so
the API response (often logged by callers) cannot be used to join in the invitee's place.
"""

from typing import Any

from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import services
from accounts.models import Invite, Membership, Role
from api.scoping import OrganizationScopedMixin

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
    role = serializers.ChoiceField(choices=Role.values, default=Role.MEMBER)


class RoleInput(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.values)


def _validated(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class MemberListView(OrganizationScopedMixin, GenericAPIView):
    model = Membership

    def scoped_queryset_filter(self, queryset):
        return queryset.select_related("user").order_by("created_at")

    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(MemberOutput(page, many=True).data)


class MemberDetailView(OrganizationScopedMixin, GenericAPIView):
    model = Membership

    def scoped_queryset_filter(self, queryset):
        return queryset.select_related("user")

    def get(self, request: Request, pk: int) -> Response:
        return Response(MemberOutput(self.get_object()).data)

    def patch(self, request: Request, pk: int) -> Response:
        data = _validated(RoleInput, request.data)
        membership = services.membership_change_role(
            membership=self.get_object(), role=data["role"], actor_role=API_KEY_ROLE
        )
        return Response(MemberOutput(membership).data)

    def delete(self, request: Request, pk: int) -> Response:
        services.membership_remove(membership=self.get_object(), actor_role=API_KEY_ROLE)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InviteCreateView(OrganizationScopedMixin, GenericAPIView):
    model = Invite

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

    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset().order_by("-created_at"))
        return self.get_paginated_response(InviteOutput(page, many=True).data)


class InviteDetailView(OrganizationScopedMixin, GenericAPIView):
    model = Invite

    def delete(self, request: Request, pk: str) -> Response:
        services.invite_revoke(invite=self.get_object(), actor_role=API_KEY_ROLE)
        return Response(status=status.HTTP_204_NO_CONTENT)
