import secrets

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone

from core.ids import new_id


def _org_id() -> str:
    return new_id("org")


def _key_id() -> str:
    return new_id("key")


def _webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class Organization(models.Model):
    id = models.CharField(primary_key=True, max_length=32, default=_org_id, editable=False)
    name = models.CharField(max_length=120)
    # Origins (scheme://host[:port]) allowed to frame embeds; sent as the frame-ancestors CSP.
    allowed_embed_origins = models.JSONField(default=list, blank=True)
    default_timezone = models.CharField(max_length=64, default="UTC")
    retention_days = models.PositiveIntegerField(default=365)
    webhook_secret = models.CharField(max_length=80, default=_webhook_secret, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: object) -> "User":
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> "User":
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(unique=True)
    name = models.CharField(max_length=120, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    def __str__(self) -> str:
        return self.email


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    MEMBER = "member", "Member"


ROLE_RANK = {Role.MEMBER: 0, Role.ADMIN: 1, Role.OWNER: 2}


def role_allows(role: str | None, needed: str) -> bool:
    """The one role check: owners may do what admins may, admins what members may. Admins
    and owners edit ("who may edit" is `role_allows(role, Role.ADMIN)`); members read."""
    return role in ROLE_RANK and ROLE_RANK[role] >= ROLE_RANK[needed]


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="one_membership_per_org")
        ]
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization_id} as {self.role}"

    @property
    def can_edit(self) -> bool:
        return role_allows(self.role, Role.ADMIN)


class KeyScope(models.TextChoices):
    """What an API key may do. (Not `warehouse.scope.Scope`, the tenant a read is confined to.)"""

    ADMIN = "admin", "Admin (everything)"
    INGEST = "ingest", "Ingest (send events)"
    READ = "read", "Read (query data)"


class ApiKey(models.Model):
    """A secret `sl_<scope>_<random>` shown once; only its SHA-256 is stored (the secret has
    256 bits of entropy, so a slow password hash buys nothing and would cost every request)."""

    id = models.CharField(primary_key=True, max_length=32, default=_key_id, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(max_length=120)
    scope = models.CharField(max_length=16, choices=KeyScope.choices)
    prefix = models.CharField(max_length=24, editable=False)
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…, {self.scope})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


def _invite_id() -> str:
    return new_id("inv")


class Invite(models.Model):
    """An expiring, single-use invitation to join an organization with a role. The token is in
    the e-mailed link only; like API keys, only its SHA-256 is stored."""

    id = models.CharField(primary_key=True, max_length=32, default=_invite_id, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invites")
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.email} to {self.organization_id} as {self.role}"

    @property
    def is_pending(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )
