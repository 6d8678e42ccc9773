"""Console forms: each validates on the server and its errors render next to the field."""

from django import forms
from django.contrib.auth.password_validation import validate_password

from accounts.models import KeyScope, Role, User
from accounts.services import MAX_RETENTION_DAYS, normalize_origin, validate_timezone


class RegisterForm(forms.Form):
    organization_name = forms.CharField(label="Organization name", max_length=120)
    email = forms.EmailField(label="Work e-mail")
    password = forms.CharField(
        label="Password", widget=forms.PasswordInput(render_value=False), strip=False
    )

    def clean_email(self) -> str:
        # Whether the address has an account is never said here (accounts.registration).
        return self.cleaned_data["email"].strip().lower()

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("password") and cleaned.get("email"):
            try:
                validate_password(cleaned["password"], User(email=cleaned["email"]))
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class OrganizationCreateForm(forms.Form):
    name = forms.CharField(label="Organization name", max_length=120)


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=120,
        required=False,
        help_text="Where the key is used, e.g. “Backend prod”.",
    )
    scope = forms.ChoiceField(label="Scope", choices=KeyScope.choices, initial=KeyScope.INGEST)


def _role_choices(actor_role: str) -> list[tuple[str, str]]:
    """Only owners may hand out the owner role."""
    return [
        (value, label)
        for value, label in Role.choices
        if value != Role.OWNER or actor_role == Role.OWNER
    ]


class InviteForm(forms.Form):
    email = forms.EmailField(label="E-mail")
    role = forms.ChoiceField(label="Role", choices=Role.choices, initial=Role.MEMBER)

    def __init__(self, *args: object, actor_role: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _role_choices(actor_role)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=Role.choices)

    def __init__(self, *args: object, actor_role: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _role_choices(actor_role)


class AcceptInviteForm(forms.Form):
    name = forms.CharField(label="Your name", max_length=120, required=False)
    password = forms.CharField(label="Choose a password", widget=forms.PasswordInput, strip=False)

    def __init__(self, *args: object, email: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        validate_password(password, User(email=self.email))
        return password


class SettingsForm(forms.Form):
    name = forms.CharField(label="Organization name", max_length=120)
    allowed_embed_origins = forms.CharField(
        label="Allowed embed origins",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "https://app.example.com"}),
        help_text="One scheme://host[:port] a line. Only these sites may frame your embeds.",
    )
    default_timezone = forms.CharField(
        label="Default time zone",
        max_length=64,
        widget=forms.TextInput(attrs={"list": "timezones", "autocomplete": "off"}),
        help_text="IANA name, e.g. Europe/Paris: day buckets follow it unless a viewer picks one.",
    )
    retention_days = forms.IntegerField(
        label="Retention (days)",
        min_value=1,
        max_value=MAX_RETENTION_DAYS,
        help_text="Events older than this are not shown and are removed (hourly).",
    )

    def clean_allowed_embed_origins(self) -> list[str]:
        lines = [
            line.strip()
            for line in self.cleaned_data["allowed_embed_origins"].splitlines()
            if line.strip()
        ]
        origins, errors = [], []
        for line in lines:
            try:
                origins.append(normalize_origin(line))
            except ValueError as error:
                errors.append(str(error))
        if errors:
            raise forms.ValidationError(errors)
        return origins

    def clean_default_timezone(self) -> str:
        try:
            return validate_timezone(self.cleaned_data["default_timezone"].strip())
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


class DeleteOrganizationForm(forms.Form):
    confirm_name = forms.CharField(label="Type the organization name to confirm")

    def __init__(self, *args: object, organization_name: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.organization_name = organization_name

    def clean_confirm_name(self) -> str:
        value = self.cleaned_data["confirm_name"].strip()
        if value != self.organization_name:
            raise forms.ValidationError("The name does not match.")
        return value
