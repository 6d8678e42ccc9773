"""Embed signing keys, revocations and the audit log.

Sessions themselves are stateless JWTs; what the server keeps is what it needs to *stop*
accepting them (revocations, key retirement) and the record of who issued or revoked what.
"""

import secrets

from django.db import models
from django.utils import timezone

from accounts.models import Organization
from core.ids import new_id
from core.limits import MAX_TENANT_ID_LENGTH


def _signing_key_id() -> str:
    return new_id("ek")


def _signing_secret() -> str:
    return secrets.token_urlsafe(32)  # 256 random bits


class EmbedSigningKey(models.Model):
    """One HS256 secret of an organization. The newest key not retired signs new sessions;
    every key not retired verifies, so rotation never breaks an open embed."""

    id = models.CharField(primary_key=True, max_length=32, default=_signing_key_id, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="embed_signing_keys"
    )
    secret = models.CharField(max_length=64, default=_signing_secret, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.id} ({self.organization_id}{', retired' if self.retired_at else ''})"

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None


class RevocationKind(models.TextChoices):
    SESSION = "session", "One session (by jti)"
    TENANT = "tenant", "Every session of a tenant issued before"
    ORGANIZATION = "organization", "Every session of the organization issued before"
    SIGNING_KEY = "signing_key", "Every session signed with a retired key"


class EmbedRevocation(models.Model):
    """A reason to refuse tokens from now on. `target` is the jti, the tenant id or the key id
    (empty for the whole organization); tenant and organization revocations cut off tokens
    issued at or before `revoked_at`. Every verification reads this table by
    (organization, target)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="embed_revocations"
    )
    kind = models.CharField(max_length=16, choices=RevocationKind.choices)
    target = models.CharField(max_length=200, blank=True)
    revoked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["organization", "target"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.target or '*'} of {self.organization_id}"


class EmbedRevocationVersion(models.Model):
    """A counter per organization that every revocation, key retirement and key rotation bumps
    in the same transaction. Each process caches the organization's revocations and signing
    keys under the version it read; every verification reads the version again (one point
    read, joined to the dashboard it reads anyway), so a change is seen by the very next
    request in every process."""

    organization = models.OneToOneField(
        Organization,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="embed_revocation_version",
    )
    version = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.organization_id} v{self.version}"


class AuditAction(models.TextChoices):
    SESSION_ISSUED = "embed_session.issued", "Embed session issued"
    SESSION_REVOKED = "embed_session.revoked", "Embed session revoked"
    TENANT_REVOKED = "embed_sessions.tenant_revoked", "Embed sessions of a tenant revoked"
    ORGANIZATION_REVOKED = "embed_sessions.all_revoked", "All embed sessions revoked"
    KEY_ROTATED = "embed_key.rotated", "Embed signing key rotated"
    KEY_RETIRED = "embed_key.retired", "Embed signing key retired"


class AuditLogEntry(models.Model):
    """Append-only: who (API key, viewer) did what to which tenant, dashboard and session."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="audit_log"
    )
    action = models.CharField(max_length=40, choices=AuditAction.choices)
    api_key_id = models.CharField(max_length=32, blank=True)
    viewer = models.CharField(max_length=200, blank=True)  # the `user` of an embed session
    tenant_id = models.CharField(max_length=MAX_TENANT_ID_LENGTH, blank=True)
    dashboard_id = models.CharField(max_length=32, blank=True)
    jti = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "audit log entries"
        indexes = [
            models.Index(fields=["organization", "-created_at"]),
            models.Index(fields=["organization", "jti"]),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.tenant_id} {self.jti}".strip()


class EmbedSessionCode(models.Model):
    """A short-lived, single-use code that an embed URL carries instead of the session token
    (`single_use_url`). Only its SHA-256 is stored; the token is kept until the code is
    redeemed, then erased, so a URL copied from a log or a screenshot opens nothing later."""

    code_hash = models.CharField(primary_key=True, max_length=64)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="embed_session_codes"
    )
    dashboard_id = models.CharField(max_length=32)
    token = models.TextField(blank=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["expires_at"])]

    def __str__(self) -> str:
        return f"code for {self.dashboard_id} ({'used' if self.used_at else 'unused'})"
