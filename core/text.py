"""Text that goes where a line break means something else: mail headers (a newline in a subject
is a header injection, and Django refuses it with BadHeaderError)."""

import re

_BREAKS = re.compile(r"[\s\x00-\x1f\x7f\u0085\u2028\u2029]+")


def one_line(text: str, *, max_length: int = 200) -> str:
    """`text` on one line: every run of whitespace and control characters (CR, LF, NUL, Unicode
    line separators) becomes one space; cut to `max_length` characters with an ellipsis."""
    flat = _BREAKS.sub(" ", text).strip()
    return flat if len(flat) <= max_length else flat[: max_length - 1].rstrip() + "…"
