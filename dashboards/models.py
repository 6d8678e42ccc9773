from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import Organization
from core.ids import new_id


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
