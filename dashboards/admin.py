"""Django admin: look dashboards up and inspect their versions. Specs are edited through the API
or the builder only (they must pass parse_spec), so the spec fields are read-only here, and a
published version cannot be changed or deleted at all."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from dashboards.models import Dashboard, DashboardVariant, DashboardVersion


class PublishedFilter(admin.SimpleListFilter):
    title = "published"
    parameter_name = "published"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", "Published"), ("no", "Not published")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() in ("yes", "no"):
            return queryset.filter(published_version__isnull=self.value() == "no")
        return queryset


class DashboardVersionInline(admin.TabularInline):
    model = DashboardVersion
    fields = ["number", "published_at", "published_by", "published_by_key"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Dashboard)
class DashboardAdmin(admin.ModelAdmin):
    list_display = ["name", "id", "organization", "published_number", "updated_at"]
    list_filter = [PublishedFilter, "updated_at", "created_at"]
    search_fields = ["id", "name", "organization__id", "organization__name"]
    list_select_related = ["organization", "published_version"]
    readonly_fields = [
        "id",
        "organization",
        "name",
        "draft_spec",
        "published_version",
        "created_by",
        "created_at",
        "updated_at",
    ]
    inlines = [DashboardVersionInline]

    @admin.display(description="published version", ordering="published_version__number")
    def published_number(self, dashboard: Dashboard) -> int | None:
        return dashboard.published_version.number if dashboard.published_version else None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # created through the API or the builder, where the spec is validated


@admin.register(DashboardVersion)
class DashboardVersionAdmin(admin.ModelAdmin):
    list_display = ["dashboard", "number", "published_at", "published_by", "published_by_key"]
    list_filter = ["published_at"]
    search_fields = [
        "dashboard__id",
        "dashboard__name",
        "dashboard__organization__id",
        "published_by__email",
    ]
    list_select_related = ["dashboard", "published_by"]
    readonly_fields = [
        "dashboard",
        "number",
        "spec",
        "published_by",
        "published_by_key",
        "published_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(DashboardVariant)
class DashboardVariantAdmin(admin.ModelAdmin):
    """Customers' own views, saved by embed designer sessions within their grant: read-only
    here (a change could widen what a view shows); an operator may delete one."""

    list_display = ["dashboard", "tenant_id", "scope", "user", "revision", "updated_at"]
    list_filter = ["scope", "updated_at"]
    search_fields = [
        "id",
        "tenant_id",
        "user",
        "dashboard__id",
        "dashboard__name",
        "organization__id",
    ]
    list_select_related = ["dashboard"]
    readonly_fields = [
        "id",
        "organization",
        "dashboard",
        "tenant_id",
        "scope",
        "user",
        "widgets",
        "layout",
        "hidden",
        "base_version",
        "revision",
        "created_at",
        "updated_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # saved from the embed's edit mode, where the session's grant is checked

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
