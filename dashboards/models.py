from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import Organization
from core.ids import new_id
from core.limits import MAX_TENANT_ID_LENGTH


def _dashboard_id() -> str:
    return new_id("dash")


class Dashboard(models.Model):
    """One dashboard of an organization: an editable draft and, once published, the immutable
    version every embed serves. `published_version` is None when unpublished."""

    id = models.CharField(primary_key=True, max_length=32, default=_dashboard_id, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="dashboards"
    )
    name = models.CharField(max_length=200)
    draft_spec = models.JSONField()
    published_version = models.ForeignKey(
        "DashboardVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["organization", "-updated_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"

    @property
    def is_published(self) -> bool:
        return self.published_version_id is not None


class DashboardVersion(models.Model):
    """An immutable published snapshot. Never updated after creation."""

    dashboard = models.ForeignKey(Dashboard, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    spec = models.JSONField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_by_key = models.CharField(
        max_length=32, blank=True
    )  # the API key id, when published by API
    published_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["dashboard", "number"], name="one_number_per_dashboard")
        ]

    def __str__(self) -> str:
        return f"{self.dashboard_id} v{self.number}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("A published version is immutable.")
        super().save(*args, **kwargs)


def _variant_id() -> str:
    return new_id("var")


class VariantScope(models.TextChoices):
    USER = "user", "One user"
    TENANT = "tenant", "The whole tenant"


class DashboardVariant(models.Model):
    """A customer's own view of a published dashboard: a layer over whatever version is
    published, saved from the embed's edit mode by a designer session. It holds the designer's
    own widgets, the order and positions of every widget it shows, and its own widgets it
    hides; the published widgets themselves are never copied (a new version shows through).

    One per (organization, dashboard, tenant, scope, user); `user` is "" for a tenant's shared
    variant. Who it belongs to always comes from the signed session, never from a request body.
    """

    id = models.CharField(primary_key=True, max_length=32, default=_variant_id, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="dashboard_variants"
    )
    dashboard = models.ForeignKey(Dashboard, on_delete=models.CASCADE, related_name="variants")
    tenant_id = models.CharField(max_length=MAX_TENANT_ID_LENGTH)
    scope = models.CharField(max_length=8, choices=VariantScope.choices)
    user = models.CharField(max_length=200, blank=True)
    widgets = models.JSONField(default=list)  # the designer's own widgets, canonical spec form
    layout = models.JSONField(default=list)  # [{"id", "x", "y", "w", "h"}] in reading order
    hidden = models.JSONField(default=list)  # ids of own widgets kept but not shown
    base_version = models.PositiveIntegerField()  # the published number it was laid over
    revision = models.PositiveIntegerField(default=1)  # +1 on every change (cache keys)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "dashboard", "tenant_id", "scope", "user"],
                name="one_variant_per_owner",
            )
        ]
        indexes = [models.Index(fields=["organization", "-updated_at"])]

    def __str__(self) -> str:
        owner = self.user if self.scope == VariantScope.USER else "(tenant)"
        return f"{self.dashboard_id} / {self.tenant_id} / {owner}"
