"""Reads of variants: the one a session sees, and the operator's lists."""

from django.db.models import QuerySet

from accounts.models import Organization
from core.errors import NotFound
from dashboards.models import DashboardVariant
from dashboards.variants import VariantContent, VariantOwner, stored_content

CONTENTS_MAX = 1024
_contents: dict[tuple[str, int], VariantContent] = {}


def variant_for_owner(
    *, org_id: str, dashboard_id: str, owner: VariantOwner
) -> DashboardVariant | None:
    """The variant a session sees: exactly the one its owner names (see embeds.variants for
    which owner a session is). None: the session sees the published dashboard."""
    return DashboardVariant.objects.filter(
        organization_id=org_id,
        dashboard_id=dashboard_id,
        tenant_id=owner.tenant_id,
        scope=owner.scope,
        user=owner.user,
    ).first()


def variant_content(variant: DashboardVariant) -> VariantContent:
    """The parsed content, once per (variant, revision) per process: a revision never changes."""
    key = (variant.pk, variant.revision)
    content = _contents.get(key)
    if content is None:
        content = stored_content(
            {"widgets": variant.widgets, "layout": variant.layout, "hidden": variant.hidden}
        )
        if len(_contents) >= CONTENTS_MAX:
            _contents.clear()
        _contents[key] = content
    return content


def variant_list(
    *,
    organization: Organization,
    dashboard_id: str | None = None,
    tenant_id: str | None = None,
    user: str | None = None,
) -> QuerySet[DashboardVariant]:
    """The organization's variants, newest change first, optionally narrowed."""
    variants = DashboardVariant.objects.filter(organization=organization).select_related(
        "dashboard"
    )
    if dashboard_id:
        variants = variants.filter(dashboard_id=dashboard_id)
    if tenant_id:
        variants = variants.filter(tenant_id=tenant_id)
    if user is not None:
        variants = variants.filter(user=user)
    return variants.order_by("-updated_at", "pk")


def variant_get(*, organization: Organization, variant_id: str) -> DashboardVariant:
    """The organization's variant; another organization's is a NotFound like a missing one."""
    variant = variant_list(organization=organization).filter(pk=variant_id).first()
    if variant is None:
        raise NotFound("Variant not found.")
    return variant
