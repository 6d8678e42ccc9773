"""The demo organization: its owner and password, fresh keys on every run, and its events
(seeded once, topped up afterwards) written through `warehouse.events.insert_events`."""

import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction

from accounts.models import ApiKey, KeyScope, Membership, Organization, Role, User
from accounts.services import IssuedKey, api_key_create, api_key_revoke, organization_create
from ops.demo.simulation import generate_events
from warehouse.events import insert_events
from warehouse.scope import DangerousOrgWideScope
from warehouse.stats import event_summary

DEMO_ORG_NAME = "Demo SaaS"
DEMO_OWNER_EMAIL = "demo@sightline.local"
DEMO_KEY_NAMES = {KeyScope.ADMIN: "Demo admin key", KeyScope.INGEST: "Demo ingest key"}
REISSUED_KEY_NAMES = tuple(DEMO_KEY_NAMES.values())
DEFAULT_EVENTS = 1_000_000
DEFAULT_DAYS = 90


@dataclass(frozen=True)
class DemoAccess:
    organization: Organization
    owner: User
    password: str
    admin_key: IssuedKey
    ingest_key: IssuedKey
    created: bool  # False: an existing demo organization was reused


@transaction.atomic
def demo_access_ensure(*, password_file: Path) -> DemoAccess:
    """The demo organization and owner (created once, reused after) and fresh demo keys.

    Keys are re-issued on every run because only their hashes are stored: a secret printed by
    an earlier run cannot be printed again, so the old demo keys are revoked and new ones shown."""
    organization = demo_organization_get()
    created = organization is None
    if organization is None:
        fresh = organization_create(name=DEMO_ORG_NAME, owner_email=DEMO_OWNER_EMAIL)
        organization = fresh.organization
        # Its default keys were never shown to anyone: delete them rather than list them as
        # revoked next to the demo keys printed below.
        ApiKey.objects.filter(pk__in=[fresh.admin_key.key.pk, fresh.ingest_key.key.pk]).delete()
        organization.allowed_embed_origins = [settings.PUBLIC_URL]
        organization.save(update_fields=["allowed_embed_origins"])
    owner = User.objects.get(email=DEMO_OWNER_EMAIL)
    password = _demo_password(owner, password_file)
    for key in ApiKey.objects.filter(
        organization=organization, name__in=REISSUED_KEY_NAMES, revoked_at=None
    ):
        api_key_revoke(key=key)
    admin_key, ingest_key = (
        api_key_create(organization=organization, scope=scope, name=name, created_by=owner)
        for scope, name in DEMO_KEY_NAMES.items()
    )
    return DemoAccess(organization, owner, password, admin_key, ingest_key, created)


def demo_organization_get() -> Organization | None:
    membership = (
        Membership.objects.filter(
            user__email=DEMO_OWNER_EMAIL, role=Role.OWNER, organization__name=DEMO_ORG_NAME
        )
        .select_related("organization")
        .order_by("created_at")
        .first()
    )
    return membership.organization if membership else None


def _demo_password(owner: User, password_file: Path) -> str:
    """The password kept in `password_file` (so every run prints the same one), or a new one."""
    if password_file.exists():
        password = password_file.read_text().strip()
        if password and owner.check_password(password):
            return password
    password = "demo-" + secrets.token_urlsafe(9)
    owner.set_password(password)
    owner.save(update_fields=["password"])
    password_file.touch(mode=0o600)  # private before the secret is in it
    password_file.chmod(0o600)
    password_file.write_text(password + "\n")
    return password


@dataclass(frozen=True)
class SeedResult:
    mode: str  # "seeded" | "topped up" | "up to date"
    inserted: int
    stored: int  # the organization's events after seeding


def demo_events_seed(
    *,
    organization: Organization,
    total: int = DEFAULT_EVENTS,
    days: int = DEFAULT_DAYS,
    now: datetime | None = None,
    rng: random.Random | None = None,
    on_chunk: Callable[[int], None] = lambda inserted: None,
) -> SeedResult:
    """Seed `total` events over `days` days; on later runs only top up the time since the newest
    event (at the same rate), so re-running never duplicates data and the demo stays current."""
    now = now or datetime.now(UTC)
    scope = DangerousOrgWideScope(org_id=organization.pk)
    before = event_summary(scope=scope)
    if before.latest is not None and now - before.latest < timedelta(minutes=1):
        return SeedResult("up to date", 0, before.events)
    since = before.latest + timedelta(milliseconds=1) if before.latest else None
    inserted = 0
    for chunk in generate_events(
        org_id=organization.pk,
        total=total,
        days=days,
        now=now,
        since=since,
        rng=rng or random.Random(),
    ):
        inserted += insert_events(chunk)
        on_chunk(inserted)
    mode = "topped up" if before.latest else "seeded"
    return SeedResult(mode, inserted, event_summary(scope=scope).events)
