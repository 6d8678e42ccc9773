"""What the console's forms share: `key = value` textareas, and service errors on form fields."""

from collections.abc import Callable, Mapping

from django import forms

from core.errors import ApiError


def pairs_parse(text: str, *, what: str = "key") -> dict[str, str]:
    """One `key = value` pair a line (blank lines skipped, spaces around both trimmed; the value
    may itself contain `=`). A line without `=` or without a key, or a key given twice, is a
    ValidationError naming the line: a repeated key would otherwise keep only its last value."""
    pairs: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not key:
            raise forms.ValidationError(f"Line {number}: write “{what} = value”.")
        if key in pairs:
            raise forms.ValidationError(f"Line {number}: {key} is given twice.")
        pairs[key] = value.strip()
    return pairs


def pairs_text(pairs: Mapping[str, str]) -> str:
    """The textarea form of `pairs`: `pairs_parse(pairs_text(p)) == p` for trimmed keys/values."""
    return "\n".join(f"{key} = {value}" for key, value in pairs.items())


def form_add_service_errors(
    form: forms.Form,
    error: ApiError,
    *,
    field_for: Callable[[str], str | None] | Mapping[str, str] | None = None,
    prefix: str = "",
) -> None:
    """A service's errors next to the form field each is about. `field_for` maps an error's
    path (`widgets[2].layout.w`, `dashboard_id`) to a field name (default: the path itself);
    a path outside `prefix` (another widget) is shown at the top with its path; an error
    without details, or about no field of the form, at the top."""
    if isinstance(field_for, Mapping):
        mapping = field_for
        field_for = lambda path: mapping.get(path, path)  # noqa: E731
    for detail in error.details or [{"field": None, "message": error.message}]:
        path = detail.get("field") or ""
        if prefix and path and not path.startswith(prefix):
            form.add_error(None, f"{path}: {detail['message']}")
            continue
        field = (field_for(path) if field_for else path) if path else None
        form.add_error(field if field in form.fields else None, detail["message"])
