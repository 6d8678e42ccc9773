"""Console pages for sign-up, organizations, API keys, the team and settings.

Views are thin: forms validate input, accounts.services does the work and enforces the role
rules, console.access guards every page. With HTMX the same view renders a partial.
"""

import json
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.models import Role
from accounts.registration import (
    registration_confirm,
    registration_pending,
    registration_request,
)
from console.access import actor_role, console_view, error_page, has_role
from console.accounts.forms import (
    AcceptInviteForm,
    ApiKeyCreateForm,
    DeleteOrganizationForm,
    InviteForm,
    OrganizationCreateForm,
    RegisterForm,
    RoleForm,
    SettingsForm,
)
from console.middleware import SESSION_ORG_KEY
from core.errors import ApiError, Conflict, Forbidden, InvalidInput, NotFound
from core.ratelimit import parse_rate, rate_limit_consume
from core.timezones import timezone_names
from interface.forms import form_add_service_errors
from interface.requests import ConsoleRequest

# A freshly issued secret travels to the welcome page in a short-lived signed cookie scoped to
# that page, and is dropped there: never in the session table, where only key hashes belong.
NEW_SECRET_COOKIE = "sightline_new_secret"
NEW_SECRET_SALT = "console.new-secret"
NEW_SECRET_MAX_AGE = 300
REGISTERED_EMAIL_KEY = "sightline_registered_email"


def _welcome_with_secret(created: services.NewOrganization) -> HttpResponse:
    """Both new keys are shown once: the admin key for the API, the ingest key for events."""
    response = redirect("console:welcome")
    response.set_signed_cookie(
        NEW_SECRET_COOKIE,
        json.dumps({"admin": created.admin_key.secret, "ingest": created.ingest_key.secret}),
        salt=NEW_SECRET_SALT,
        max_age=NEW_SECRET_MAX_AGE,
        path=reverse("console:welcome"),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )
    return response


def home(request: ConsoleRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("console:login")
    if request.organization is None:
        return redirect("console:org_new")
    return redirect("dash:list")


def register(request: ConsoleRequest) -> HttpResponse:
    """The same answer, "check your e-mail", whether or not the address has an account."""
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = rate_limit_consume(
            bucket=f"register:client:{request.META.get('REMOTE_ADDR', '')}",
            rate=parse_rate(settings.REGISTER_RATE_LIMIT),
        )
        if wait is not None:
            form.add_error(None, "Too many sign-ups from your network; try again later.")
            response = render(request, "registration/register.html", {"form": form}, status=429)
            response["Retry-After"] = str(wait)
            return response
        registration_request(
            email=form.cleaned_data["email"],
            organization_name=form.cleaned_data["organization_name"],
            password=form.cleaned_data["password"],
        )
        request.session[REGISTERED_EMAIL_KEY] = form.cleaned_data["email"]
        return redirect("console:register_sent")
    return render(request, "registration/register.html", {"form": form})


def register_sent(request: ConsoleRequest) -> HttpResponse:
    email = request.session.get(REGISTERED_EMAIL_KEY, "")
    return render(request, "registration/register_sent.html", {"email": email})


def register_confirm(request: ConsoleRequest, token: str) -> HttpResponse:
    """GET shows what the link creates (a link preview or scanner must not use it up); the
    button POSTs, which creates the owner and the organization and signs in."""
    try:
        if request.method != "POST":
            pending = registration_pending(token=token)
            return render(request, "registration/register_confirm.html", {"pending": pending})
        created = registration_confirm(token=token)
    except ApiError as error:
        return error_page(request, error)
    login(request, created.owner, backend="django.contrib.auth.backends.ModelBackend")
    _select_organization(request, created.organization.pk)
    return _welcome_with_secret(created)


@console_view
def welcome(request: ConsoleRequest) -> HttpResponse:
    secret = request.get_signed_cookie(
        NEW_SECRET_COOKIE, default=None, salt=NEW_SECRET_SALT, max_age=NEW_SECRET_MAX_AGE
    )
    try:
        secrets = json.loads(secret) if secret else {}
    except ValueError:
        secrets = {}
    response = render(
        request,
        "console/welcome.html",
        {"secret": secrets.get("admin"), "ingest_secret": secrets.get("ingest")},
    )
    response.delete_cookie(NEW_SECRET_COOKIE, path=reverse("console:welcome"), samesite="Strict")
    return response


@login_required
def org_new(request: ConsoleRequest) -> HttpResponse:
    form = OrganizationCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created = services.organization_create(
            name=form.cleaned_data["name"], owner_email=request.user.email
        )
        _select_organization(request, created.organization.pk)
        return _welcome_with_secret(created)
    return render(request, "console/org_new.html", {"form": form})


@login_required
@require_POST
def org_switch(request: ConsoleRequest) -> HttpResponse:
    membership = selectors.membership_get(
        user=request.user, organization=request.POST.get("organization", "")
    )
    if membership is None:
        return error_page(request, NotFound("Not found."))
    _select_organization(request, membership.organization_id)
    return redirect("console:home")


def _select_organization(request: ConsoleRequest, organization_id: str) -> None:
    request.session[SESSION_ORG_KEY] = organization_id


# --- API keys ------------------------------------------------------------------------------


@console_view
def keys(request: ConsoleRequest) -> HttpResponse:
    form = ApiKeyCreateForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        issued = services.api_key_create(
            organization=request.organization,
            scope=form.cleaned_data["scope"],
            name=form.cleaned_data["name"],
            created_by=request.user,
        )
        form = ApiKeyCreateForm()
    context = {
        "form": form,
        "issued": issued,
        "keys": selectors.api_key_list(organization=request.organization),
    }
    template = "console/partials/keys.html" if request.htmx else "console/keys.html"
    return render(request, template, context, status=400 if form.errors else 200)


@console_view
@require_POST
def key_revoke(request: ConsoleRequest, key_id: str) -> HttpResponse:
    key = selectors.api_key_get(organization=request.organization, key_id=key_id)
    services.api_key_revoke(key=key)
    messages.success(request, f"Key {key.prefix}… revoked. Requests with it now get 401.")
    return _render_keys(request)


def _render_keys(request: ConsoleRequest) -> HttpResponse:
    context = {
        "form": ApiKeyCreateForm(),
        "keys": selectors.api_key_list(organization=request.organization),
    }
    if request.htmx:
        return render(request, "console/partials/keys.html", context)
    return redirect("console:keys")


# --- Team ----------------------------------------------------------------------------------


@console_view
def team(request: ConsoleRequest) -> HttpResponse:
    form = InviteForm(request.POST or None, actor_role=actor_role(request))
    invited = None
    if request.method == "POST" and form.is_valid():
        try:
            invited = services.invite_create(
                organization=request.organization,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                actor_role=actor_role(request),
                invited_by=request.user,
            )
            form = InviteForm(actor_role=actor_role(request))
        except Conflict as error:
            form.add_error("email", error.message)
    return _render_team(request, form=form, invited=invited, status=400 if form.errors else 200)


def _render_team(
    request: ConsoleRequest,
    *,
    form: InviteForm | None = None,
    invited: services.IssuedInvite | None = None,
    status: int = 200,
) -> HttpResponse:
    role = actor_role(request)
    context = {
        "form": form or InviteForm(actor_role=role),
        "invited": invited,
        "members": selectors.member_list(organization=request.organization),
        "invites": selectors.invite_pending_list(organization=request.organization),
        "role_form": RoleForm(actor_role=role),
        "is_owner": role == Role.OWNER,
    }
    context["owner_count"] = sum(1 for m in context["members"] if m.role == Role.OWNER)
    template = "console/partials/team.html" if request.htmx else "console/team.html"
    return render(request, template, context, status=status)


@console_view
@require_POST
def member_role(request: ConsoleRequest, membership_id: int) -> HttpResponse:
    membership = selectors.member_get(
        organization=request.organization, membership_id=membership_id
    )
    form = RoleForm(request.POST, actor_role=actor_role(request))
    if not form.is_valid():
        raise Forbidden("You cannot grant this role.")  # the only choices hidden from a valid form
    return _team_action(
        request,
        lambda: services.membership_change_role(
            membership=membership, role=form.cleaned_data["role"], actor_role=actor_role(request)
        ),
        f"{membership.user.email} is now {form.cleaned_data['role']}.",
    )


@console_view
@require_POST
def member_remove(request: ConsoleRequest, membership_id: int) -> HttpResponse:
    membership = selectors.member_get(
        organization=request.organization, membership_id=membership_id
    )
    return _team_action(
        request,
        lambda: services.membership_remove(membership=membership, actor_role=actor_role(request)),
        f"{membership.user.email} was removed.",
    )


@console_view
@require_POST
def invite_revoke(request: ConsoleRequest, invite_id: str) -> HttpResponse:
    invite = selectors.invite_get(organization=request.organization, invite_id=invite_id)
    return _team_action(
        request,
        lambda: services.invite_revoke(invite=invite, actor_role=actor_role(request)),
        f"The invitation to {invite.email} was revoked.",
    )


def _team_action(
    request: ConsoleRequest, action: Callable[[], object], success: str
) -> HttpResponse:
    """Runs a role-checked service call; a rule it refuses (409: last owner) shows as a message."""
    try:
        action()
    except Conflict as error:
        messages.error(request, error.message)
        return _render_team(request, status=409)
    messages.success(request, success)
    if request.htmx:
        return _render_team(request)
    return redirect("console:team")


def invite_accept(request: ConsoleRequest, token: str) -> HttpResponse:
    """Open to anyone holding the link: a signed-in user joins with one click, a new person
    chooses a password, an existing account is asked to sign in first."""
    try:
        invite = services.invite_for_token(token=token)
    except NotFound as error:
        return error_page(request, error)
    form = AcceptInviteForm(request.POST or None, email=invite.email)
    context = {
        "invite": invite,
        "form": form,
        "account_exists": selectors.user_exists(email=invite.email),
    }
    if request.method != "POST":
        return render(request, "console/invite_accept.html", context)
    try:
        if request.user.is_authenticated:
            membership = services.invite_accept(token=token, user=request.user)
        elif form.is_valid() and not context["account_exists"]:
            membership = services.invite_accept_as_new_user(
                token=token, password=form.cleaned_data["password"], name=form.cleaned_data["name"]
            )
            login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
        else:
            return render(request, "console/invite_accept.html", context, status=400)
    except (Forbidden, NotFound, Conflict) as error:
        return error_page(request, error)
    _select_organization(request, membership.organization_id)
    messages.success(request, f"Welcome to {membership.organization.name}.")
    return redirect("console:home")


# --- Settings ------------------------------------------------------------------------------


@console_view
def settings_page(request: ConsoleRequest) -> HttpResponse:
    organization = request.organization
    initial = {
        "name": organization.name,
        "allowed_embed_origins": "\n".join(organization.allowed_embed_origins),
        "default_timezone": organization.default_timezone,
        "retention_days": organization.retention_days,
    }
    form = SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.organization_update(
                organization=organization, actor_role=actor_role(request), **form.cleaned_data
            )
            messages.success(request, "Settings saved.")
            return redirect("console:settings")
        except InvalidInput as error:
            form_add_service_errors(form, error)
    context = {
        "form": form,
        "delete_form": DeleteOrganizationForm(organization_name=organization.name),
        "timezones": timezone_names(),
        "can_edit": has_role(request, Role.ADMIN),
        "is_owner": has_role(request, Role.OWNER),
    }
    return render(request, "console/settings.html", context, status=400 if form.errors else 200)


@console_view(write_role=Role.OWNER)
@require_POST
def org_delete(request: ConsoleRequest) -> HttpResponse:
    organization = request.organization
    form = DeleteOrganizationForm(request.POST, organization_name=organization.name)
    if not form.is_valid():
        messages.error(
            request, "The organization was not deleted: the name you typed does not match."
        )
        return redirect("console:settings")
    services.organization_delete(organization=organization, actor_role=actor_role(request))
    request.session.pop(SESSION_ORG_KEY, None)
    messages.success(request, f"{organization.name} was deleted.")
    return redirect("console:home")
