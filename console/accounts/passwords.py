"""Logging in and resetting a password: the pieces around Django's own views.

Failed logins are counted by django-axes (settings: AXES_*), keyed by `login_username`.
Reset e-mails are rate limited per e-mail address asked for and per client address, through
core.ratelimit; an over-limit request is answered with the same message whether or not the
address has an account. Unlike Django's form, an owner created without a password (`manage.py
createorg` without `--owner-password`) can ask for the link: that is how they choose one.
"""

import hashlib
import math
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.http import HttpResponse

from core.ratelimit import parse_rate, rate_limit_consume
from interface.requests import ConsoleRequest


def login_username(request: ConsoleRequest, credentials: dict[str, Any] | None) -> str | None:
    """The account a login attempt is counted against: the e-mail, case folded, so `A@x` and
    `a@x` share one count (axes' AXES_USERNAME_CALLABLE)."""
    source = credentials if credentials is not None else request.POST
    username = (source or {}).get("username") or (source or {}).get("email")
    return username.strip().lower() if isinstance(username, str) else None


class PasswordResetForm(auth_forms.PasswordResetForm):
    def get_users(self, email: str) -> Iterator[Any]:
        """Every active account with that e-mail, with or without a usable password."""
        return iter(get_user_model()._default_manager.filter(email__iexact=email, is_active=True))


def _wait_for_reset(request: ConsoleRequest, email: str) -> int | None:
    address = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    waits = [
        rate_limit_consume(
            bucket=f"password-reset:email:{address}",
            rate=parse_rate(settings.PASSWORD_RESET_EMAIL_RATE_LIMIT),
        ),
        rate_limit_consume(
            bucket=f"password-reset:client:{request.META.get('REMOTE_ADDR', '')}",
            rate=parse_rate(settings.PASSWORD_RESET_CLIENT_RATE_LIMIT),
        ),
    ]
    found = [wait for wait in waits if wait is not None]
    return max(found) if found else None


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        wait = _wait_for_reset(self.request, form.cleaned_data["email"])
        if wait is None:
            return super().form_valid(form)
        minutes = max(1, math.ceil(wait / 60))
        form.add_error(
            None,
            "Too many password reset requests. No e-mail was sent; try again in "
            f"{minutes} minute{'s' if minutes != 1 else ''}.",
        )
        response = self.render_to_response(self.get_context_data(form=form), status=429)
        response["Retry-After"] = str(wait)
        return response
