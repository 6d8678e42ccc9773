"""Field checks shared by the spec parsers: each records a problem with its path, returns None."""

import re
from typing import Any

from core.errors import InvalidInput
from dashboards.spec.vocabulary import KEY_RE


class SpecErrors:
    """Collects every problem of one spec with its path, raised once at the end."""

    def __init__(self) -> None:
        self.details: list[dict[str, str]] = []

    def add(self, path: str, message: str) -> None:
        self.details.append({"field": path, "message": message})

    def raise_if_any(self) -> None:
        if self.details:
            raise InvalidInput("The dashboard spec is invalid.", details=self.details)


MISSING = object()


def as_object(raw: Any, path: str, allowed: set[str], errors: SpecErrors) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        errors.add(path or "spec", "Required." if raw is MISSING else "Must be an object.")
        return None
    for key in raw:
        if key not in allowed:
            errors.add(f"{path}.{key}" if path else str(key), "Unknown field.")
    return raw


def as_string(
    raw: Any,
    path: str,
    errors: SpecErrors,
    *,
    min_len: int = 0,
    max_len: int = 200,
    pattern: re.Pattern[str] | None = None,
) -> str | None:
    if not isinstance(raw, str):
        errors.add(path, "Required." if raw is MISSING else "Must be a string.")
        return None
    if not min_len <= len(raw) <= max_len:
        errors.add(path, f"Must be {min_len} to {max_len} characters long.")
        return None
    if pattern is not None and not pattern.fullmatch(raw):
        errors.add(path, f"Has an invalid format (expected {pattern.pattern}).")
        return None
    return raw


def as_choice(raw: Any, path: str, choices: tuple[str, ...], errors: SpecErrors) -> str | None:
    if raw not in choices or not isinstance(raw, str):
        missing = "Required; one" if raw is MISSING else "Must be one"
        errors.add(path, f"{missing} of: {', '.join(choices)}.")
        return None
    return raw


def as_int(raw: Any, path: str, errors: SpecErrors, *, low: int, high: int | None) -> int | None:
    if isinstance(raw, bool) or not isinstance(raw, int):
        errors.add(path, "Required." if raw is MISSING else "Must be an integer.")
        return None
    if raw < low or (high is not None and raw > high):
        errors.add(
            path,
            f"Must be between {low} and {high}."
            if high is not None
            else f"Must be at least {low}.",
        )
        return None
    return raw


def as_key(raw: Any, path: str, errors: SpecErrors) -> str | None:
    return as_string(raw, path, errors, min_len=1, max_len=64, pattern=KEY_RE)


def as_list(raw: Any, path: str, errors: SpecErrors, *, max_items: int) -> list[Any]:
    if not isinstance(raw, list):
        errors.add(path, "Must be a list.")
        return []
    if len(raw) > max_items:
        errors.add(path, f"At most {max_items} items.")
        return []
    return raw
