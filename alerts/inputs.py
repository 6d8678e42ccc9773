"""Input rules shared by the API serializers and the console form, so both accept the same."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

MAX_EMAIL_RECIPIENTS = 20
MAX_RENOTIFY_MINUTES = 7 * 24 * 60


def parse_email_list(data: object) -> list[str]:
    """A list of addresses, or one comma-separated string; de-duplicated, order kept.
    Raises ValueError with a sentence for the user."""
    if data is None or data == "":
        return []
    items = data.split(",") if isinstance(data, str) else data
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise ValueError("Must be a list of e-mail addresses or a comma-separated string.")
    addresses = list(dict.fromkeys(item.strip() for item in items if item.strip()))
    if len(addresses) > MAX_EMAIL_RECIPIENTS:
        raise ValueError(f"At most {MAX_EMAIL_RECIPIENTS} addresses.")
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            raise ValueError(f"{address[:100]!r} is not a valid e-mail address.") from None
    return addresses
