"""Writes of variants. Each runs on the variant's locked row (like the draft edits of
dashboards.services), so two saves of one variant are serialised and a stale one is refused."""

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import Conflict
from dashboards.models import Dashboard, DashboardVariant
from dashboards.spec import DashboardSpec
from dashboards.variants import VariantContent, VariantOwner, pruned_layout


def _owned(dashboard: Dashboard, owner: VariantOwner) -> Any:
    return DashboardVariant.objects.filter(
        organization_id=dashboard.organization_id,
        dashboard=dashboard,
        tenant_id=owner.tenant_id,
        scope=owner.scope,
        user=owner.user,
    )


@transaction.atomic
def variant_save(
    *,
    dashboard: Dashboard,
    owner: VariantOwner,
    content: VariantContent,
    base_version: int,
    revision: int | None = None,
) -> DashboardVariant:
    """Store `content` as the owner's variant (created on the first save). `revision`, when
    given, is the revision the designer edited: another save since then is a 409 and nothing
    changes (0 means "there was none yet")."""
    locked = _owned(dashboard, owner).select_for_update().first()
    if locked is None:
        try:
            with transaction.atomic():  # a concurrent first save: the loser takes the lock
                locked = DashboardVariant.objects.create(
                    organization_id=dashboard.organization_id,
                    dashboard=dashboard,
                    tenant_id=owner.tenant_id,
                    scope=owner.scope,
                    user=owner.user,
                    base_version=base_version,
                    revision=0,
                )
        except IntegrityError:
            locked = _owned(dashboard, owner).select_for_update().get()
    if revision is not None and revision != locked.revision:
        raise Conflict(
            "This view was saved elsewhere meanwhile; reload it and edit again.",
            code="variant_changed",
        )
    stored = content.to_store()
    locked.widgets, locked.layout, locked.hidden = (
        stored["widgets"],
        stored["layout"],
        stored["hidden"],
    )
    locked.base_version = base_version
    locked.revision += 1
    locked.updated_at = timezone.now()
    locked.save()
    return locked


@transaction.atomic
def variant_rebase(*, variant_id: str, published: DashboardSpec, number: int) -> int:
    """Lay the variant over version `number`: layout entries naming widgets that no longer
    exist are dropped. Returns how many were dropped, once: the first read after a publish
    rebases; later reads find it rebased and get 0 (so the viewer is told once)."""
    locked = DashboardVariant.objects.select_for_update().filter(pk=variant_id).first()
    if locked is None or locked.base_version == number:
        return 0
    layout, removed = pruned_layout(published, {"widgets": locked.widgets, "layout": locked.layout})
    locked.layout, locked.base_version = layout, number
    locked.revision += 1
    locked.updated_at = timezone.now()
    locked.save(update_fields=["layout", "base_version", "revision", "updated_at"])
    return removed


def variant_delete(*, variant: DashboardVariant) -> None:
    """The owner (or every session of the tenant, for a tenant variant) sees the published
    dashboard again."""
    variant.delete()


def variant_reset(*, dashboard: Dashboard, owner: VariantOwner) -> bool:
    """Delete the owner's variant; False when there was none."""
    deleted, _ = _owned(dashboard, owner).delete()
    return bool(deleted)
