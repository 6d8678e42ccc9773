"""Names for people from keys for machines."""

import re

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SEPARATORS = re.compile(r"[_.\-\s]+")


def key_label(key: str) -> str:
    """A property key as a label: `response_time_ms` -> `Response time ms`, `responseTimeMs` ->
    `Response Time Ms`, `cost.usd` -> `Cost usd`. Only the first letter changes case, so
    acronyms stay (`API_key` -> `API key`)."""
    text = _SEPARATORS.sub(" ", _CAMEL.sub(" ", key)).strip()
    return text[:1].upper() + text[1:]
