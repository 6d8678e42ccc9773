"""Start-up refusals: production must never run with DEBUG or a guessable SECRET_KEY."""

from django.core.exceptions import ImproperlyConfigured

MIN_SECRET_KEY_LENGTH = 50
# Keys copied from docs and templates (Superset's public default was CVE-2023-27524).
KNOWN_DEFAULT_KEYS = frozenset(
    {
        "changeme",
        "change-me",
        "secret",
        "django-insecure-change-me",
        "sightline-dev-secret-key",
        "replace-me-with-a-long-random-string",
        "\\2dkF9xvA5dq3weLr3GbyoE6eDJ1oB4fAz2wJx1WSt4=",
    }
)
# Compared without regard to case: a key differing from a published one only in case is as
# guessable, and a mixed-case entry compared against a lowercased key could never match.
_KNOWN_DEFAULTS_FOLDED = frozenset(key.casefold() for key in KNOWN_DEFAULT_KEYS)


def refuse_unsafe_production(production: bool, debug: bool, secret_key: str) -> None:
    if not production:
        return
    if debug:
        raise ImproperlyConfigured("Refusing to start: DEBUG is on in production.")
    if not secret_key:
        raise ImproperlyConfigured("Refusing to start: SECRET_KEY is not set.")
    folded = secret_key.casefold()
    if folded.startswith("django-insecure-") or folded in _KNOWN_DEFAULTS_FOLDED:
        raise ImproperlyConfigured("Refusing to start: SECRET_KEY is a known default value.")
    if len(secret_key) < MIN_SECRET_KEY_LENGTH or len(set(secret_key)) < 10:
        raise ImproperlyConfigured(
            "Refusing to start: SECRET_KEY must be at least "
            f"{MIN_SECRET_KEY_LENGTH} random characters."
        )
