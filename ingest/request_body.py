"""Reading the body of `POST /v1/events`: JSON only, optionally gzip-compressed, and never more
than the configured number of bytes in memory, compressed or not (a gzip bomb stops at the
limit). Parsing is validation's job (ingest.validation)."""

import zlib

from django.http import HttpRequest

from core.errors import InvalidInput, PayloadTooLarge, UnsupportedMediaType

JSON_CONTENT_TYPE = "application/json"
GZIP_WINDOW_BITS = 16 + zlib.MAX_WBITS  # expect a gzip header and trailer


def read_body(request: HttpRequest, *, max_bytes: int) -> bytes:
    """The (decompressed) body bytes. Raises UnsupportedMediaType (415), PayloadTooLarge (413)
    or InvalidInput with code `malformed_gzip` (400)."""
    if request.content_type != JSON_CONTENT_TYPE:
        raise UnsupportedMediaType(f"Send the events as '{JSON_CONTENT_TYPE}'.")
    gzipped = _is_gzipped(request.headers.get("Content-Encoding", ""))
    raw = _read_at_most(request, max_bytes)
    return _gunzip_at_most(raw, max_bytes) if gzipped else raw


def _is_gzipped(content_encoding: str) -> bool:
    encoding = content_encoding.strip().lower()
    if encoding in ("", "identity"):
        return False
    if encoding == "gzip":
        return True
    raise UnsupportedMediaType("Only 'Content-Encoding: gzip' (or none) is supported.")


def _too_large(max_bytes: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"The body is larger than {max_bytes} bytes; send smaller batches.")


def _read_at_most(request: HttpRequest, max_bytes: int) -> bytes:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > max_bytes:
        raise _too_large(max_bytes)  # refused before reading a byte of it
    raw = request.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise _too_large(max_bytes)
    return raw


def _gunzip_at_most(raw: bytes, max_bytes: int) -> bytes:
    decompressor = zlib.decompressobj(GZIP_WINDOW_BITS)
    try:
        body = decompressor.decompress(raw, max_bytes + 1)
    except zlib.error as exc:
        raise InvalidInput(
            "The gzip body cannot be decompressed.",
            code="malformed_gzip",
            details=[{"field": None, "message": str(exc)}],
        ) from None
    if len(body) > max_bytes:
        raise _too_large(max_bytes)
    if not decompressor.eof or decompressor.unused_data:
        raise InvalidInput(
            "The gzip body is truncated or holds more than one member.",
            code="malformed_gzip",
            details=[{"field": None, "message": "expected exactly one complete gzip member"}],
        )
    return body
