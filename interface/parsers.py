"""The one JSON parser of every DRF endpoint (settings.REST_FRAMEWORK's DEFAULT_PARSER_CLASSES)."""

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, except that a body nested deeper than Python's recursion limit
    (`[` × 3000) is malformed JSON (a 400), not a RecursionError (a 500)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply.") from None
