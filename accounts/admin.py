from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import ApiKey, Invite, Membership, Organization, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "id", "default_timezone", "retention_days", "created_at"]
    search_fields = ["name", "id"]
    readonly_fields = ["id", "created_at"]
    exclude = ["webhook_secret"]  # secrets are never shown
    inlines = [MembershipInline]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_active"]
    search_fields = ["email", "name"]
    fieldsets = [
        (None, {"fields": ["email", "password", "name"]}),
        (
            "Permissions",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "organization__name", "organization__id"]
    autocomplete_fields = ["user", "organization"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "prefix",
        "organization",
        "scope",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["scope", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "organization__name", "organization__id"]
    readonly_fields = [
        "id",
        "prefix",
        "organization",
        "scope",
        "created_by",
        "created_at",
        "last_used_at",
    ]
    exclude = ["secret_hash"]  # only the hash is stored, and even that is never shown

    def has_add_permission(self, request: object) -> bool:
        return False  # created in the console or by `createorg`, which show the secret once


@admin.register(Invite)
class InviteAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "organization",
        "role",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    list_filter = [
        "role",
        ("accepted_at", admin.EmptyFieldListFilter),
        ("revoked_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["email", "organization__name", "organization__id"]
    readonly_fields = [
        "id",
        "organization",
        "email",
        "role",
        "invited_by",
        "created_at",
        "accepted_at",
        "accepted_by",
    ]
    exclude = ["token_hash"]  # the link's token is never shown, not even hashed

    def has_add_permission(self, request: object) -> bool:
        return False  # invites are sent from the console or the API, which e-mail the link
